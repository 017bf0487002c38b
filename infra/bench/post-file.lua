-- POST the file named by $BODY with Content-Type $CT (wrk -s).
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CT")
if os.getenv("ACCEPT") then wrk.headers["Accept"] = os.getenv("ACCEPT") end
