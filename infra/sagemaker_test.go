package infra

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"regexp"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accountID is an AWS account id, as !Ref AWS::AccountId resolves.
var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// checkSageMaker names what is wrong with the optional SageMaker part: off
// by default, every resource and output under its condition, a serverless
// endpoint on the predict image reading the model store, a role only
// SageMaker of this account can assume, and the transform job input as
// Batch Transform must send predict's headerless CSV.
func checkSageMaker(tpl *cloudformation.Template) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	const cond = "MakeSageMaker"
	if p, ok := tpl.Parameters["SageMakerServing"]; !ok || p.Default != "false" {
		bad("parameter SageMakerServing: want one, off (\"false\") by default")
	}
	models := tpl.GetAllSageMakerModelResources()
	configs := tpl.GetAllSageMakerEndpointConfigResources()
	endpoints := tpl.GetAllSageMakerEndpointResources()
	if len(models) != 1 || len(configs) != 1 || len(endpoints) != 1 {
		bad("want one SageMaker model, endpoint config and endpoint; got %d, %d, %d", len(models), len(configs), len(endpoints))
	}
	for name, m := range models {
		if m.AWSCloudFormationCondition != cond {
			bad("%s is not under %s", name, cond)
		}
		c := m.PrimaryContainer
		if c == nil || c.Image == nil || !strings.Contains(*c.Image, "/studentperf-predict:") {
			bad("%s: the container is not the predict image", name)
			continue
		}
		env, _ := c.Environment.(map[string]any)
		if !strings.HasPrefix(fmt.Sprint(env["MODEL_STORE"]), "s3://") {
			bad("%s: no MODEL_STORE in the bucket", name)
		}
	}
	for name, c := range configs {
		if c.AWSCloudFormationCondition != cond {
			bad("%s is not under %s", name, cond)
		}
		for _, v := range c.ProductionVariants {
			if v.ServerlessConfig == nil || v.InstanceType != nil {
				bad("%s: variant %s is not serverless", name, v.VariantName)
			}
		}
	}
	for name, e := range endpoints {
		if e.AWSCloudFormationCondition != cond {
			bad("%s is not under %s", name, cond)
		}
	}
	role := tpl.GetAllIAMRoleResources()["SageMakerExecutionRole"]
	if role == nil || role.AWSCloudFormationCondition != cond {
		bad("no SageMakerExecutionRole under %s", cond)
	} else {
		for _, st := range statements(role.AssumeRolePolicyDocument) {
			account := fmt.Sprint(dig(st, "Condition", "StringEquals", "aws:SourceAccount"))
			if fmt.Sprint(dig(st, "Principal", "Service")) != "sagemaker.amazonaws.com" || !accountID.MatchString(account) {
				bad("SageMakerExecutionRole: trust is not SageMaker of this account only")
			}
		}
	}
	for name, o := range tpl.Outputs {
		if strings.HasPrefix(name, "SageMaker") && (o.Condition == nil || *o.Condition != cond) {
			bad("output %s is not under %s", name, cond)
		}
	}
	problems = append(problems, checkTransformInput(tpl)...)
	return problems
}

// checkTransformInput parses the create-transform-job input the template
// outputs and checks it sends what /invocations reads as Batch Transform's
// CSV: lines, several a request, no bigger than the body limit.
func checkTransformInput(tpl *cloudformation.Template) []string {
	o, ok := tpl.Outputs["SageMakerTransformJobInput"]
	if !ok {
		return []string{"no output SageMakerTransformJobInput"}
	}
	var in struct {
		ModelName      string
		BatchStrategy  string
		MaxPayloadInMB int
		TransformInput struct {
			ContentType, SplitType string
		}
		TransformOutput struct {
			Accept, AssembleWith string
		}
	}
	if err := json.Unmarshal([]byte(fmt.Sprint(o.Value)), &in); err != nil {
		return []string{fmt.Sprintf("SageMakerTransformJobInput is not JSON: %v", err)}
	}
	var problems []string
	want := map[string][2]string{
		"BatchStrategy":                {in.BatchStrategy, "MultiRecord"},
		"TransformInput.ContentType":   {in.TransformInput.ContentType, "text/csv"},
		"TransformInput.SplitType":     {in.TransformInput.SplitType, "Line"},
		"TransformOutput.Accept":       {in.TransformOutput.Accept, "text/csv"},
		"TransformOutput.AssembleWith": {in.TransformOutput.AssembleWith, "Line"},
	}
	for k, v := range want {
		if v[0] != v[1] {
			problems = append(problems, fmt.Sprintf("SageMakerTransformJobInput %s = %q; want %q", k, v[0], v[1]))
		}
	}
	if in.MaxPayloadInMB < 1 || in.MaxPayloadInMB > 6 {
		problems = append(problems, fmt.Sprintf("SageMakerTransformJobInput MaxPayloadInMB = %d; want 1 to 6 (within the model's MAX_BODY_BYTES)", in.MaxPayloadInMB))
	}
	return problems
}

func TestTemplateSageMaker(t *testing.T) {
	assert.Empty(t, checkSageMaker(openTemplate(t, readTemplate(t))))
}

func TestTemplateSageMakerPlanted(t *testing.T) {
	src := string(readTemplate(t))
	for name, p := range map[string][2]string{
		"on by default":      {"    Default: \"false\"\n    Description: true adds a SageMaker", "    Default: \"true\"\n    Description: true adds a SageMaker"},
		"instance variant":   {"          ServerlessConfig:\n", "          InstanceType: ml.m5.large\n          InitialInstanceCount: 1\n          ServerlessConfig:\n"},
		"unconditional":      {"    Type: AWS::SageMaker::Endpoint\n    Condition: MakeSageMaker\n", "    Type: AWS::SageMaker::Endpoint\n"},
		"single record":      {`"BatchStrategy": "MultiRecord"`, `"BatchStrategy": "SingleRecord"`},
		"no split":           {`"SplitType": "Line"`, `"SplitType": "None"`},
		"payload over limit": {`"MaxPayloadInMB": 6`, `"MaxPayloadInMB": 100`},
		"any account":        {"                aws:SourceAccount: !Ref AWS::AccountId\n", "                aws:SourceAccount: \"*\"\n"},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(src, p[0]), "the plant's anchor must occur once in template.yaml")
			tpl := openTemplate(t, []byte(strings.Replace(src, p[0], p[1], 1)))
			problems := append(checkSageMaker(tpl), check(tpl)...)
			assert.NotEmpty(t, problems, "the planted %s was not caught", name)
		})
	}
}
