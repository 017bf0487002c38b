package infra

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The functions are image functions: Lambda pulls their images from the
// stack's ECR repositories with its own service principal, which the
// repository policy must allow (the deploy role cannot grant it on the
// fly), limited to this account's functions of the stack.
func TestRepositoriesLetLambdaPull(t *testing.T) {
	tpl := translate(t, readTemplate(t), "ImageTag=test")
	fnARNs := []string{tpl.getAtt("PredictFunction", "Arn"), tpl.getAtt("TrainFunction", "Arn")}
	repos := tpl.ofType("AWS::ECR::Repository")
	if len(repos) != 2 {
		t.Fatalf("got %d ECR repositories; want 2", len(repos))
	}
	for _, id := range repos {
		if problems := lambdaPullProblems(tpl, id, fnARNs); len(problems) > 0 {
			t.Errorf("repository %s: Lambda cannot pull its images:\n\t%s", id, strings.Join(problems, "\n\t"))
		}
	}
}

func lambdaPullProblems(tpl *samTemplate, id string, fnARNs []string) []string {
	raw, ok := tpl.Resources[id].Properties["RepositoryPolicyText"]
	if !ok {
		return []string{"no RepositoryPolicyText: the repository grants lambda.amazonaws.com nothing"}
	}
	doc := tpl.resolve(raw)
	if s, ok := doc.(string); ok {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return []string{"RepositoryPolicyText is not JSON: " + err.Error()}
		}
		doc = m
	}
	problems := checkPolicy("RepositoryPolicyText", doc, true)
	for _, st := range statements(doc) {
		if st["Effect"] != "Allow" || !slices.Contains(strs(dig(st, "Principal", "Service")), "lambda.amazonaws.com") {
			continue
		}
		actions := strs(st["Action"])
		var missing []string
		for _, a := range []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"} {
			if !slices.Contains(actions, a) {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("the lambda.amazonaws.com statement lacks %v", missing))
			continue
		}
		var patterns []string
		for _, op := range []string{"StringLike", "ArnLike", "StringEquals", "ArnEquals"} {
			patterns = append(patterns, strs(dig(st, "Condition", op, "aws:sourceArn"))...)
		}
		if len(patterns) == 0 {
			problems = append(problems, "the lambda.amazonaws.com statement has no aws:sourceArn condition: any account's function could pull")
			continue
		}
		matches := func(arn string) bool {
			return slices.ContainsFunc(patterns, func(p string) bool { return globMatch(p, arn) })
		}
		for _, arn := range fnARNs {
			if !matches(arn) {
				problems = append(problems, fmt.Sprintf("aws:sourceArn %v does not let %s pull", patterns, arn))
			}
		}
		for _, other := range []string{"arn:aws:lambda:us-east-1:999999999999:function:studentperf-predict", "arn:aws:lambda:eu-west-1:123456789012:function:someone-else"} {
			if matches(other) {
				problems = append(problems, fmt.Sprintf("aws:sourceArn %v also lets %s pull", patterns, other))
			}
		}
		return problems
	}
	return append(problems, "no statement allows lambda.amazonaws.com")
}

// The HTTP API as CloudFormation creates it from the SAM template: the
// web form at the root and the JSON API below it must both reach the
// predict function, through a route, its integration and a permission
// whose source ARN covers that route.
func TestHTTPAPIRoutesReachPredict(t *testing.T) {
	tpl := translate(t, readTemplate(t), "ImageTag=test")
	for _, req := range []struct{ method, path string }{
		{"GET", "/"},
		{"POST", "/predict"},
		{"GET", "/openapi.json"},
		{"POST", "/v2/models/student-math-score/infer"},
	} {
		if err := httpAPIReaches(tpl, req.method, req.path, "PredictFunction"); err != nil {
			t.Errorf("%s %s: %v", req.method, req.path, err)
		}
	}
}

// httpAPIReaches finds the route an HTTP API request takes, as API
// Gateway picks it (the exact path, then the longest greedy {proxy+},
// then $default), and checks it invokes fn and that fn lets it.
func httpAPIReaches(tpl *samTemplate, method, path, fn string) error {
	apis := tpl.ofType("AWS::ApiGatewayV2::Api")
	if len(apis) != 1 {
		return fmt.Errorf("want one HTTP API, got %v", apis)
	}
	api := apis[0]
	// The transform wraps routes in Fn::If on the function's condition: resolve them.
	paths, _ := tpl.resolve(dig(tpl.Resources[api].Properties, "Body", "paths")).(map[string]any)
	var routes []string
	for p := range paths {
		routes = append(routes, p)
	}
	slices.Sort(routes)
	routeKey, op := "", map[string]any(nil)
	pick := func(p string) bool {
		ops, _ := paths[p].(map[string]any)
		for _, m := range []string{strings.ToLower(method), "x-amazon-apigateway-any-method"} {
			if o, ok := ops[m].(map[string]any); ok {
				routeKey, op = strings.ToUpper(strings.TrimPrefix(m, "x-amazon-apigateway-"))+" "+p, o
				if p == "$default" {
					routeKey = "$default"
				}
				return true
			}
		}
		return false
	}
	found := pick(path)
	if !found { // greedy path variables, the longest prefix first
		best := ""
		for _, p := range routes {
			prefix, ok := strings.CutSuffix(p, "{proxy+}")
			if ok && strings.HasPrefix(path, prefix) && len(path) > len(prefix) && len(prefix) > len(best) {
				if ops, _ := paths[p].(map[string]any); ops != nil {
					best = p
				}
			}
		}
		found = best != "" && pick(best)
	}
	if !found {
		found = pick("$default")
	}
	if !found {
		return fmt.Errorf("no route matches (routes: %v): API Gateway answers 404 Not Found", routes)
	}
	uri := fmt.Sprint(dig(op, "x-amazon-apigateway-integration", "uri"))
	if !strings.HasSuffix(uri, "/functions/"+tpl.getAtt(fn, "Arn")+"/invocations") {
		return fmt.Errorf("route %q integrates with %s, not %s", routeKey, uri, fn)
	}
	// The invocation's source ARN: .../API/STAGE/METHOD/PATH, or .../API/STAGE/$default.
	stage := "$default"
	source := fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/", pseudo["AWS::Region"], pseudo["AWS::AccountId"], "<"+api+">", stage)
	if routeKey == "$default" {
		source += "$default"
	} else {
		source += method + path
	}
	for _, id := range tpl.ofType("AWS::Lambda::Permission") {
		p := tpl.Resources[id].Properties
		if fmt.Sprint(p["Principal"]) != "apigateway.amazonaws.com" || fmt.Sprint(tpl.resolve(p["FunctionName"])) != tpl.ref(fn) {
			continue
		}
		if globMatch(fmt.Sprint(tpl.resolve(p["SourceArn"])), source) {
			return nil
		}
	}
	return fmt.Errorf("route %q: no lambda:InvokeFunction permission for apigateway.amazonaws.com covers %s", routeKey, source)
}

// Alarms: on predict's errors, by the EMF metric the function writes
// (namespace and Function dimension as withEMF names them under Lambda,
// where AWS_LAMBDA_FUNCTION_NAME is the template's FunctionName), and on
// failed training, by the depth of the train function's dead-letter queue.
func TestAlarms(t *testing.T) {
	tpl := translate(t, readTemplate(t), "ImageTag=test")
	want := map[string]string{
		"studentperf/Errors Function=" + tpl.ref("PredictFunction"):                                               "predict errors",
		"AWS/SQS/ApproximateNumberOfMessagesVisible QueueName=" + tpl.getAtt("TrainDeadLetterQueue", "QueueName"): "training failures (DLQ depth)",
	}
	got := map[string]bool{}
	for _, id := range tpl.ofType("AWS::CloudWatch::Alarm") {
		p := tpl.resolve(tpl.Resources[id].Properties).(map[string]any)
		key := fmt.Sprintf("%v/%v", p["Namespace"], p["MetricName"])
		for _, d := range p["Dimensions"].([]any) {
			d := d.(map[string]any)
			key += fmt.Sprintf(" %v=%v", d["Name"], d["Value"])
		}
		if actions, _ := p["AlarmActions"].([]any); len(actions) == 0 {
			t.Errorf("alarm %s: no AlarmActions", id)
		}
		got[key] = true
	}
	for key, what := range want {
		if !got[key] {
			t.Errorf("no alarm on %s (%s); alarms: %v", what, key, got)
		}
	}
}

// The first deploy of an account: DeployFunctions=false makes the bucket,
// the repositories and the roles, and nothing that needs an image.
func TestFirstDeployWithoutFunctions(t *testing.T) {
	tpl := translate(t, readTemplate(t), "DeployFunctions=false")
	for _, typ := range []string{"AWS::Lambda::Function", "AWS::Lambda::Url", "AWS::ApiGatewayV2::Api", "AWS::ECS::TaskDefinition", "AWS::Events::Rule"} {
		for _, id := range tpl.ofType(typ) {
			if tpl.exists(id) {
				t.Errorf("%s %s is created without functions", typ, id)
			}
		}
	}
	for _, id := range []string{"ModelBucket", "PredictRepository", "TrainRepository", "DeployRole", "RunnerRole"} {
		if !tpl.exists(id) {
			t.Errorf("%s is not created on the first deploy", id)
		}
	}
	// The bucket's notification to the (absent) train function is left out.
	b := tpl.resolve(tpl.Resources["ModelBucket"].Properties).(map[string]any)
	if cfgs, _ := dig(b, "NotificationConfiguration", "LambdaConfigurations").([]any); len(cfgs) != 0 {
		t.Errorf("the bucket notifies a function that does not exist: %v", cfgs)
	}
}

// Architecture=arm64 runs the functions and the Fargate task on Graviton,
// from the SHA-arm64 images infra/push.sh pushes; x86_64 is the default.
func TestArchitectureParameter(t *testing.T) {
	for arch, want := range map[string]struct{ lambda, fargate, tag string }{
		"":       {"x86_64", "X86_64", ":sha"},
		"arm64":  {"arm64", "ARM64", ":sha-arm64"},
		"x86_64": {"x86_64", "X86_64", ":sha"},
	} {
		params := []string{"ImageTag=sha"}
		if arch != "" {
			params = append(params, "Architecture="+arch)
		}
		tpl := translate(t, readTemplate(t), params...)
		for _, fn := range []string{"PredictFunction", "TrainFunction"} {
			p := tpl.resolve(tpl.Resources[fn].Properties).(map[string]any)
			if got := strs(p["Architectures"]); len(got) != 1 || got[0] != want.lambda {
				t.Errorf("Architecture=%q: %s Architectures %v; want [%s]", arch, fn, got, want.lambda)
			}
			if uri := fmt.Sprint(dig(p, "Code", "ImageUri")); !strings.HasSuffix(uri, want.tag) {
				t.Errorf("Architecture=%q: %s image %s; want the tag %s", arch, fn, uri, want.tag)
			}
		}
		td := tpl.resolve(tpl.Resources["TrainTaskDefinition"].Properties).(map[string]any)
		if got := fmt.Sprint(dig(td, "RuntimePlatform", "CpuArchitecture")); got != want.fargate {
			t.Errorf("Architecture=%q: Fargate CpuArchitecture %s; want %s", arch, got, want.fargate)
		}
	}
}
