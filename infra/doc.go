// Package infra holds the AWS side of studentperf: the SAM template
// (template.yaml), the image build, check, push and deploy scripts, the
// moto rehearsal of a first deploy, and the EC2 runner's bootstrap (ec2/).
// Its Go code is the template's tests: the template is parsed with
// goformation and every property a security review asks for is checked,
// including that no policy grants a wildcard; it is translated with
// aws-sam-translator (sam-translate.py) as CloudFormation would, and the
// result checked for what only the translation shows (the HTTP API's
// routes and permissions, the repositories' pull policy, the alarms, the
// first deploy without functions, the architectures). The built functions
// are run with the template's own environment under the Lambda emulator
// (the train events, the EMF records) and on "EC2" with instance-role
// credentials from a metadata mock.
package infra
