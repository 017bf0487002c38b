#!/usr/bin/env bash
# Rehearse a new account's first deploy and then the deploy workflow's
# Lambda step against moto (moto_server, an AWS stand-in) on 127.0.0.1,
# from an empty account:
#   1. the stack with DeployFunctions=false (bucket, repositories, roles),
#   2. infra/push.sh: the images infra/images.sh built, into a local OCI
#      registry (crane) standing in for ECR's storage, and each pushed
#      manifest registered in moto's ECR repository, so that the digest
#      moto knows is the registry's,
#   3. the stack again with DeployFunctions=true and ImageTag=SHA,
#   4. the deploy workflow: assume the stack's DeployRole with a web
#      identity token (what aws-actions/configure-aws-credentials does with
#      GitHub's OIDC token), then the run step of deploy.yml's lambda job,
#      taken out of the workflow file and run unchanged (update-function-code
#      --image-uri REGISTRY/REPO@DIGEST, wait function-updated-v2),
#   5. each function's image URI must then be the pushed digest.
# `sam deploy` is mirrored by the AWS CLI: the SAM transform is run locally
# with aws-sam-translator (infra/sam-translate.py; moto has no transform),
# then create-stack / update-stack with the result. The resources moto
# does not create are listed at the end; infra/samtemplate_test.go and
# template_test.go check those.
#
# Usage: infra/moto-rehearse.sh      Env: OUT_DIR (as for images.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh

out=${OUT_DIR:-/tmp/studentperf-images}
[ -r "$out/images.env" ] || fail "no $out/images.env: run infra/images.sh first"
# shellcheck disable=SC1091
. "$out/images.env"
for tool in moto_server aws python3 crane curl; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (run .ci/install-deploy-tools.sh and .ci/install-image-tools.sh)"
done
work=$(mktemp -d)
cleanup_add "rm -rf '$work'"

# An empty account: a fresh moto, administrator keys for the operator's steps.
port=$(free_port)
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
cleanup_add "kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null"
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=operator AWS_SECRET_ACCESS_KEY=operator AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE
for _ in $(seq 100); do curl -fsS -o /dev/null "$AWS_ENDPOINT_URL/moto-api/" 2>/dev/null && break; sleep 0.1; done
account=$(aws sts get-caller-identity --query Account --output text)
echo "moto on $AWS_ENDPOINT_URL, account $account: $(aws cloudformation list-stacks --query 'length(StackSummaries)' --output text) stacks, $(aws ecr describe-repositories --query 'length(repositories)' --output text) repositories"

stack=studentperf
deploy() { # create|update Name=Value...   (sam deploy, mirrored)
	local verb=$1 params=() kv
	shift
	python3 infra/sam-translate.py -p "AWS::AccountId=$account" -p "AWS::StackName=$stack" "${@/#/-p}" >"$work/sam.json"
	# moto skips the resource types it has no model for (with a warning),
	# but fails a stack whose outputs name one: those outputs are left out
	# here, and said so. Every resource stays in the template.
	python3 - "$work/sam.json" >"$work/template.json" <<-'PY'
		import json, re, sys
		from moto.cloudformation.parsing import get_model_map, NULL_MODELS
		t = json.load(open(sys.argv[1]))
		known = set(get_model_map()) | set(NULL_MODELS)
		skipped = {rid for rid, r in t["Resources"].items() if r["Type"] not in known}
		def names(v):
		    s = json.dumps(v)
		    return {m for m in re.findall(r'"Ref": "([^"]+)"|"Fn::GetAtt": \["([^"]+)"|\$\{([A-Za-z0-9]+)', s) for m in m if m}
		dropped = sorted(k for k, o in t.get("Outputs", {}).items() if names(o) & skipped)
		for k in dropped:
		    del t["Outputs"][k]
		if dropped:
		    print("  (outputs left out for moto, which does not create what they name: %s)" % ", ".join(dropped), file=sys.stderr)
		json.dump(t, sys.stdout)
	PY
	for kv in "$@"; do params+=("ParameterKey=${kv%%=*},ParameterValue=${kv#*=}"); done
	aws cloudformation "$verb-stack" --stack-name "$stack" --template-body "file://$work/template.json" \
		--capabilities CAPABILITY_NAMED_IAM --parameters "${params[@]}" >/dev/null
	aws cloudformation wait "stack-$verb-complete" --stack-name "$stack" ||
		fail "$verb-stack: $(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatusReason' --output text)"
	echo "sam deploy ($*): stack $stack $(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text)"
}
output() { aws cloudformation describe-stacks --stack-name "$stack" --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }

# 1. The first deploy: no functions, so no image is needed yet.
deploy create DeployFunctions=false
echo "  outputs: $(aws cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs[].OutputKey' --output text | tr '\t' ' ')"
registry=$(output PredictRepositoryUri)
registry=${registry%/studentperf-predict}

# 2. infra/push.sh into a local registry, each manifest registered in moto's ECR.
reg_port=$(free_port)
local_registry=127.0.0.1:$reg_port
mkdir -p "$work/registry"
crane registry serve --address "$local_registry" --disk "$work/registry" >"$work/registry.log" 2>&1 &
cleanup_add "kill $! 2>/dev/null"
for _ in $(seq 50); do curl -fsS -o /dev/null "http://$local_registry/v2/" 2>/dev/null && break; sleep 0.1; done
TLS_VERIFY=false infra/push.sh "$local_registry" | tee "$work/pushed" | sed 's/^/infra\/push.sh: /'
while read -r name ref digest; do
	repo=studentperf-${name%-arm64}
	tag=${ref##*:}
	crane manifest --insecure "$ref" >"$work/manifest.json"
	# --image-digest: ECR checks it against the manifest's sha256; moto,
	# which would otherwise derive one of its own, records it.
	got=$(aws ecr put-image --repository-name "$repo" --image-tag "$tag" --image-digest "$digest" \
		--image-manifest "file://$work/manifest.json" --query image.imageId.imageDigest --output text)
	[ "$got" = "$digest" ] || fail "moto's ECR records $repo:$tag as $got; the registry pushed $digest"
done <"$work/pushed"
echo "ECR (moto) now holds: $(aws ecr list-images --repository-name studentperf-predict --query 'imageIds[].imageTag' --output text | tr '\t' ' ') in studentperf-predict"

# 3. The second deploy: the functions, on the tag just pushed.
deploy update DeployFunctions=true "ImageTag=$REVISION"
predict_fn=$(output PredictFunctionName) train_fn=$(output TrainFunctionName)
for fn in "$predict_fn" "$train_fn"; do
	echo "  $fn: $(aws lambda get-function --function-name "$fn" --query 'Code.ImageUri' --output text)"
done

# 4. The deploy workflow: the OIDC role, then the lambda job's run step as it is.
role=$(output DeployRoleArn)
read -r key secret token < <(aws sts assume-role-with-web-identity --role-arn "$role" \
	--role-session-name "studentperf-lambda-rehearsal" --web-identity-token "rehearsal.oidc.token" \
	--query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
echo "assumed $role with a web identity token: $(AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token aws sts get-caller-identity --query Arn --output text)"
python3 - .github/workflows/deploy.yml >"$work/step.sh" <<'PY'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
steps = [s for s in wf["jobs"]["lambda"]["steps"] if s.get("name") == "point the functions at the new image digests"]
assert len(steps) == 1, "deploy.yml's lambda job has no step 'point the functions at the new image digests'"
print(steps[0]["run"])
PY
digest_of() { awk -v n="$1" '$1 == n { print $3 }' "$work/pushed"; }
AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token \
	REGISTRY=$registry PREDICT_DIGEST=$(digest_of predict) TRAIN_DIGEST=$(digest_of train) \
	PREDICT_FUNCTION=$predict_fn TRAIN_FUNCTION=$train_fn \
	bash -euo pipefail "$work/step.sh" | sed 's/^/deploy.yml lambda step: /'

# 5. Each function now runs the pushed digest.
for pair in "$predict_fn:studentperf-predict@$(digest_of predict)" "$train_fn:studentperf-train@$(digest_of train)"; do
	fn=${pair%%:*} want=$registry/${pair#*:}
	got=$(aws lambda get-function --function-name "$fn" --query 'Code.ImageUri' --output text)
	state=$(aws lambda get-function --function-name "$fn" --query 'Configuration.LastUpdateStatus' --output text)
	[ "$got" = "$want" ] || fail "$fn runs $got, want $want"
	echo "$fn: image $got (LastUpdateStatus $state) = the pushed digest"
done

# What moto did not create: checked by the template tests instead.
created=$(aws cloudformation list-stack-resources --stack-name "$stack" --query 'StackResourceSummaries[].LogicalResourceId' --output text)
python3 - "$work/template.json" "$created" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
created = set(sys.argv[2].split())
params = {k: str(v.get("Default", "")) for k, v in t.get("Parameters", {}).items()}
params.update(DeployFunctions="true")
def cond(c):
    (op, arg), = c.items()
    if op == "Fn::Equals":
        vals = [params.get(a["Ref"], "") if isinstance(a, dict) else a for a in arg]
        return vals[0] == vals[1]
    if op == "Fn::Not":
        return not cond(arg[0])
    if op == "Fn::And":
        return all(cond(a) for a in arg)
    if op == "Fn::Or":
        return any(cond(a) for a in arg)
    if op == "Condition":
        return cond(t["Conditions"][arg])
    raise ValueError(c)
skipped = sorted(f"{rid} ({r['Type']})" for rid, r in t["Resources"].items()
                 if rid not in created and ("Condition" not in r or cond(t["Conditions"][r["Condition"]])))
print("moto created %d resources and skipped %d: %s" % (len(created), len(skipped), ", ".join(skipped)))
PY
echo "infra/moto-rehearse.sh: first deploy, push, functions and the workflow's lambda step rehearsed from an empty account"
