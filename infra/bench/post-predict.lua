-- wrk script: POST the reference record to /predict and count non-2xx
-- answers (wrk reports them as "Non-2xx or 3xx responses").
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"gender":"female","race_ethnicity":"group B","parental_level_of_education":"bachelor\'s degree","lunch":"standard","test_preparation_course":"none","reading_score":72,"writing_score":74}'

done = function(summary, latency, requests)
  io.write(string.format("p50_ms %.3f\np99_ms %.3f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
