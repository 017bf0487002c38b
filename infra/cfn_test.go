package infra

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The pseudo-parameters the translated template is read with (sam-translate.py's defaults).
var pseudo = map[string]string{
	"AWS::AccountId": "123456789012",
	"AWS::Region":    "us-east-1",
	"AWS::Partition": "aws",
	"AWS::StackName": "studentperf",
	"AWS::URLSuffix": "amazonaws.com",
}

// samTemplate is template.yaml after the AWS::Serverless transform, as
// CloudFormation receives it, with the parameter values it was made with.
type samTemplate struct {
	Resources map[string]resource
	Outputs   map[string]any
	Params    map[string]string
	conds     map[string]any
}

type resource struct {
	Type       string
	Condition  string
	Properties map[string]any
	Metadata   map[string]any
}

// translate runs infra/sam-translate.py (aws-sam-translator, the library
// behind `sam deploy` and CloudFormation's SAM transform) on src with the
// given parameter overrides. Without python3 and aws-sam-translator the
// test skips, except under CI=true where it fails.
func translate(tb testing.TB, src []byte, params ...string) *samTemplate {
	tb.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import samtranslator, yaml").Run()
	}
	if err != nil {
		msg := fmt.Sprintf("python3 with aws-sam-translator is needed to translate the SAM template (%v); .ci/install-deploy-tools.sh installs it", err)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	f, err := os.CreateTemp(tb.TempDir(), "template-*.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.Write(src); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	args := []string{"sam-translate.py"}
	for _, p := range params {
		args = append(args, "-p", p)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(py, append(args, f.Name())...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("sam-translate.py: %v\n%s", err, stderr.Bytes())
	}
	var raw struct {
		Parameters map[string]struct{ Default any }
		Conditions map[string]any
		Resources  map[string]resource
		Outputs    map[string]any
	}
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		tb.Fatalf("sam-translate.py output: %v", err)
	}
	t := &samTemplate{Resources: raw.Resources, Outputs: raw.Outputs, Params: map[string]string{}, conds: raw.Conditions}
	for k, v := range pseudo {
		t.Params[k] = v
	}
	for name, p := range raw.Parameters {
		if p.Default != nil {
			t.Params[name] = fmt.Sprint(p.Default)
		}
	}
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		t.Params[k] = v
	}
	return t
}

// ofType returns the logical IDs of the resources of one type, sorted.
func (t *samTemplate) ofType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// resolve evaluates the intrinsic functions this template uses (Ref,
// Fn::Sub, Fn::Join, Fn::If, Fn::FindInMap is not used) to strings, the
// way CloudFormation would with the template's parameters. A Ref or
// GetAtt of a resource becomes a stand-in: the resource's physical name
// where the template sets one, else "<ID>" or "<ID.Attr>".
func (t *samTemplate) resolve(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) != 1 {
			out := map[string]any{}
			for k, e := range v {
				out[k] = t.resolve(e)
			}
			return out
		}
		for k, arg := range v {
			switch k {
			case "Ref":
				return t.ref(arg.(string))
			case "Fn::GetAtt":
				parts := strs(arg)
				return t.getAtt(parts[0], parts[1])
			case "Fn::Sub":
				return t.sub(arg)
			case "Fn::Join":
				a := arg.([]any)
				var parts []string
				for _, e := range a[1].([]any) {
					parts = append(parts, fmt.Sprint(t.resolve(e)))
				}
				return strings.Join(parts, a[0].(string))
			case "Fn::If":
				a := arg.([]any)
				if t.cond(a[0].(string)) {
					return t.resolve(a[1])
				}
				return t.resolve(a[2])
			}
			return map[string]any{k: t.resolve(arg)}
		}
	case []any:
		var out []any
		for _, e := range v {
			r := t.resolve(e)
			if r == noValue {
				continue
			}
			out = append(out, r)
		}
		return out
	}
	return v
}

const noValue = "<AWS::NoValue>"

func (t *samTemplate) ref(name string) string {
	if name == "AWS::NoValue" {
		return noValue
	}
	if v, ok := t.Params[name]; ok {
		return v
	}
	if r, ok := t.Resources[name]; ok {
		for _, prop := range []string{"FunctionName", "BucketName", "RepositoryName", "RoleName"} {
			if n, ok := r.Properties[prop]; ok {
				return fmt.Sprint(t.resolve(n))
			}
		}
	}
	return "<" + name + ">"
}

func (t *samTemplate) getAtt(name, attr string) string {
	if r, ok := t.Resources[name]; ok && attr == "Arn" {
		switch r.Type {
		case "AWS::Lambda::Function":
			return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", pseudo["AWS::Region"], pseudo["AWS::AccountId"], t.ref(name))
		case "AWS::ECR::Repository":
			return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", pseudo["AWS::Region"], pseudo["AWS::AccountId"], t.ref(name))
		}
	}
	return "<" + name + "." + attr + ">"
}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

func (t *samTemplate) sub(arg any) string {
	s, vars := "", map[string]any{}
	switch a := arg.(type) {
	case string:
		s = a
	case []any:
		s = a[0].(string)
		vars = a[1].(map[string]any)
	}
	return subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return fmt.Sprint(t.resolve(v))
		}
		if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			return t.getAtt(res, attr)
		}
		return t.ref(name)
	})
}

// cond evaluates a condition built from Fn::Equals, Fn::Not, Fn::And,
// Fn::Or and Condition.
func (t *samTemplate) cond(name string) bool {
	c, ok := t.conds[name]
	if !ok {
		panic("no condition " + name)
	}
	return t.evalCond(c)
}

func (t *samTemplate) evalCond(c any) bool {
	m := c.(map[string]any)
	for k, arg := range m {
		switch k {
		case "Condition":
			return t.cond(arg.(string))
		case "Fn::Equals":
			a := arg.([]any)
			return fmt.Sprint(t.resolve(a[0])) == fmt.Sprint(t.resolve(a[1]))
		case "Fn::Not":
			return !t.evalCond(arg.([]any)[0])
		case "Fn::And", "Fn::Or":
			and := k == "Fn::And"
			for _, e := range arg.([]any) {
				if t.evalCond(e) != and {
					return !and
				}
			}
			return and
		}
	}
	panic(fmt.Sprintf("condition %v: not understood", c))
}

// exists says whether a resource is created with the template's parameters.
func (t *samTemplate) exists(id string) bool {
	r, ok := t.Resources[id]
	return ok && (r.Condition == "" || t.cond(r.Condition))
}

// globMatch matches s against an IAM-style pattern: * is any run of
// characters (slashes included), ? any one.
func globMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}
