package infra

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/iam"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resourceStarActions may be granted on Resource "*": AWS has no
// resource-level permissions for them.
var resourceStarActions = []string{"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}

func openTemplate(tb testing.TB, yaml []byte) *cloudformation.Template {
	tb.Helper()
	tpl, err := goformation.ParseYAML(yaml)
	require.NoError(tb, err, "parse template.yaml")
	return tpl
}

func readTemplate(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("template.yaml")
	require.NoError(tb, err)
	return b
}

func TestTemplate(t *testing.T) {
	tpl := openTemplate(t, readTemplate(t))
	assert.Empty(t, check(tpl))
}

// A planted wildcard, in each place a policy can hide one, is caught.
func TestTemplatePlantedWildcard(t *testing.T) {
	src := string(readTemplate(t))
	plants := map[string][2]string{
		"wildcard action": {"read-models\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [s3:GetObject]", "read-models\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n              - Effect: Allow\n                Action: [\"s3:*\"]"},
		"star action":     {"Action: [sqs:SendMessage]", "Action: [\"*\"]"},
		"star resource":   {"Resource: !GetAtt TrainDeadLetterQueue.Arn", "Resource: \"*\""},
		"full access":     {"- !Sub \"arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\"\n      Policies:\n        - PolicyName: read-models", "- arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess\n      Policies:\n        - PolicyName: read-models"},
		"any branch":      {"ref:refs/heads/main", "*"},
		"train url":       {"      # No FunctionUrlConfig and no API", "      FunctionUrlConfig:\n        AuthType: NONE\n      # No FunctionUrlConfig and no API"},
		"mutable tags":    {"RepositoryName: studentperf-predict\n      ImageTagMutability: IMMUTABLE", "RepositoryName: studentperf-predict\n      ImageTagMutability: MUTABLE"},
	}
	for name, p := range plants {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(src, p[0]), "the plant's anchor must occur once in template.yaml")
			tpl := openTemplate(t, []byte(strings.Replace(src, p[0], p[1], 1)))
			assert.NotEmpty(t, check(tpl), "the planted %s was not caught", name)
		})
	}
}

// check returns every property of the template that a review would refuse.
func check(tpl *cloudformation.Template) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// The model bucket: versioned, encrypted, no public access, TLS only.
	buckets := tpl.GetAllS3BucketResources()
	if len(buckets) != 1 {
		bad("want 1 bucket, got %d", len(buckets))
	}
	for name, b := range buckets {
		if b.VersioningConfiguration == nil || b.VersioningConfiguration.Status != "Enabled" {
			bad("bucket %s: versioning not enabled", name)
		}
		if b.BucketEncryption == nil || len(b.BucketEncryption.ServerSideEncryptionConfiguration) == 0 {
			bad("bucket %s: no default encryption", name)
		}
		pab := b.PublicAccessBlockConfiguration
		if pab == nil || !isTrue(pab.BlockPublicAcls) || !isTrue(pab.BlockPublicPolicy) || !isTrue(pab.IgnorePublicAcls) || !isTrue(pab.RestrictPublicBuckets) {
			bad("bucket %s: public access not fully blocked", name)
		}
	}
	tlsOnly := false
	for name, p := range tpl.GetAllS3BucketPolicyResources() {
		for _, st := range statements(p.PolicyDocument) {
			if st["Effect"] == "Deny" && fmt.Sprint(dig(st, "Condition", "Bool", "aws:SecureTransport")) == "false" {
				tlsOnly = true
			}
		}
		problems = append(problems, checkPolicy("bucket policy "+name, p.PolicyDocument, true)...)
	}
	if !tlsOnly {
		bad("no bucket policy denies requests without TLS (aws:SecureTransport false)")
	}

	// Two ECR repositories: scan on push, immutable tags, lifecycle rule.
	repos := tpl.GetAllECRRepositoryResources()
	if len(repos) != 2 {
		bad("want 2 ECR repositories, got %d", len(repos))
	}
	for name, r := range repos {
		if r.ImageScanningConfiguration == nil || !isTrue(r.ImageScanningConfiguration.ScanOnPush) {
			bad("repository %s: no scan on push", name)
		}
		if r.ImageTagMutability == nil || *r.ImageTagMutability != "IMMUTABLE" {
			bad("repository %s: tags are mutable", name)
		}
		if r.LifecyclePolicy == nil || r.LifecyclePolicy.LifecyclePolicyText == nil || *r.LifecyclePolicy.LifecyclePolicyText == "" {
			bad("repository %s: no lifecycle rule", name)
		}
	}

	// The functions.
	fns := tpl.GetAllServerlessFunctionResources()
	predict, train := fns["PredictFunction"], fns["TrainFunction"]
	if predict == nil || train == nil {
		bad("want PredictFunction and TrainFunction")
		return problems
	}
	for name, f := range map[string]*struct{ img, url bool }{"PredictFunction": {true, true}, "TrainFunction": {true, false}} {
		fn := fns[name]
		if fn.PackageType == nil || *fn.PackageType != "Image" || fn.ImageUri == nil {
			bad("%s: not an image function", name)
		}
		if f.url != (fn.FunctionUrlConfig != nil) {
			bad("%s: Function URL present = %v, want %v", name, fn.FunctionUrlConfig != nil, f.url)
		}
		if fn.Policies != nil {
			bad("%s: SAM policy templates; write its role per resource ARN instead", name)
		}
	}
	if !hasEvent(predict, "HttpApi") {
		bad("PredictFunction: no HTTP API")
	}
	if !hasEvent(train, "Schedule") || !hasEvent(train, "S3") {
		bad("TrainFunction: wants a schedule and an S3 trigger")
	}
	for _, kind := range []string{"Api", "HttpApi"} {
		if hasEvent(train, kind) {
			bad("TrainFunction: reachable through %s; only IAM-authorised invocation may reach it", kind)
		}
	}
	if train.Timeout == nil || *train.Timeout != 900 {
		bad("TrainFunction: timeout is not 15 minutes")
	}
	if train.DeadLetterQueue == nil {
		bad("TrainFunction: no dead-letter queue")
	}
	for name := range tpl.GetAllLambdaUrlResources() {
		bad("a Lambda URL resource %s outside the predict function's FunctionUrlConfig", name)
	}

	// Train on Fargate with the same image.
	fargate := false
	for _, td := range tpl.GetAllECSTaskDefinitionResources() {
		if slices.Contains(td.RequiresCompatibilities, "FARGATE") && len(td.ContainerDefinitions) == 1 &&
			strings.Contains(td.ContainerDefinitions[0].Image, "studentperf-train:") {
			fargate = true
		}
	}
	if !fargate {
		bad("no Fargate task definition running the train image")
	}

	// IAM: least privilege everywhere.
	roles := tpl.GetAllIAMRoleResources()
	for _, name := range sortedKeys(roles) {
		r := roles[name]
		problems = append(problems, checkPolicy("role "+name+" trust", r.AssumeRolePolicyDocument, true)...)
		for _, p := range r.Policies {
			problems = append(problems, checkPolicy("role "+name+" policy "+p.PolicyName, p.PolicyDocument, false)...)
		}
		for _, arn := range r.ManagedPolicyArns {
			if strings.Contains(arn, "FullAccess") || strings.HasSuffix(arn, "/AdministratorAccess") || strings.HasSuffix(arn, "/PowerUserAccess") {
				bad("role %s: managed policy %s", name, arn)
			}
		}
	}
	for name, p := range tpl.GetAllIAMManagedPolicyResources() {
		problems = append(problems, checkPolicy("managed policy "+name, p.PolicyDocument, false)...)
	}
	for name, p := range tpl.GetAllIAMPolicyResources() {
		problems = append(problems, checkPolicy("policy "+name, p.PolicyDocument, false)...)
	}

	// GitHub OIDC: the provider, and a deploy role only this repository's main branch can assume.
	if len(tpl.GetAllIAMOIDCProviderResources()) != 1 {
		bad("want one OIDC provider for GitHub")
	}
	for _, p := range tpl.GetAllIAMOIDCProviderResources() {
		if p.Url == nil || *p.Url != "https://token.actions.githubusercontent.com" || !slices.Contains(p.ClientIdList, "sts.amazonaws.com") {
			bad("the OIDC provider is not GitHub's with audience sts.amazonaws.com")
		}
	}
	deploy := roles["DeployRole"]
	if deploy == nil {
		bad("no DeployRole")
	} else {
		for _, st := range statements(deploy.AssumeRolePolicyDocument) {
			sub := fmt.Sprint(dig(st, "Condition", "StringEquals", "token.actions.githubusercontent.com:sub"))
			aud := fmt.Sprint(dig(st, "Condition", "StringEquals", "token.actions.githubusercontent.com:aud"))
			if !strings.HasPrefix(sub, "repo:") || !strings.HasSuffix(sub, ":ref:refs/heads/main") || strings.Contains(sub, "*") || aud != "sts.amazonaws.com" {
				bad("DeployRole: trust is not limited to one repository's main branch (sub %q, aud %q)", sub, aud)
			}
		}
	}

	// The EC2 host's instance profile.
	if len(tpl.GetAllIAMInstanceProfileResources()) != 1 {
		bad("want one instance profile for the EC2 host")
	}
	return problems
}

// checkPolicy names each wildcard action, NotAction, and Resource "*" for
// an action that has resource-level permissions. A trust or bucket policy
// may name a principal "*" (a Deny for every caller), never an action.
func checkPolicy(where string, doc any, resourceless bool) []string {
	var problems []string
	sts := statements(doc)
	if len(sts) == 0 {
		return []string{where + ": no statements"}
	}
	for i, st := range sts {
		if _, ok := st["NotAction"]; ok {
			problems = append(problems, fmt.Sprintf("%s statement %d: NotAction", where, i))
		}
		if _, ok := st["NotResource"]; ok && st["Effect"] == "Allow" {
			problems = append(problems, fmt.Sprintf("%s statement %d: Allow with NotResource", where, i))
		}
		actions := strs(st["Action"])
		for _, a := range actions {
			if strings.Contains(a, "*") {
				problems = append(problems, fmt.Sprintf("%s statement %d: wildcard action %q", where, i, a))
			}
		}
		if resourceless {
			continue
		}
		if slices.Contains(strs(st["Resource"]), "*") {
			for _, a := range actions {
				if !slices.Contains(resourceStarActions, a) {
					problems = append(problems, fmt.Sprintf("%s statement %d: %s on Resource \"*\"", where, i, a))
				}
			}
		}
	}
	return problems
}

func statements(doc any) []map[string]any {
	m, _ := doc.(map[string]any)
	var out []map[string]any
	switch s := m["Statement"].(type) {
	case []any:
		for _, e := range s {
			if st, ok := e.(map[string]any); ok {
				out = append(out, st)
			}
		}
	case map[string]any:
		out = append(out, s)
	}
	return out
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func hasEvent(fn *serverless.Function, kind string) bool {
	for _, e := range fn.Events {
		if e.Type == kind {
			return true
		}
	}
	return false
}

func isTrue(b *bool) bool { return b != nil && *b }

func sortedKeys(m map[string]*iam.Role) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
