// Package infra holds the AWS side of studentperf: the SAM template
// (template.yaml), the image build, check, push and deploy scripts, and the
// EC2 runner's bootstrap (ec2/). Its Go code is the template's test: the
// template is parsed with goformation and every property a security
// review asks for is checked, including that no policy grants a wildcard.
package infra
