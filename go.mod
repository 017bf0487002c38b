module github.com/studentperf/studentperf

go 1.26.0

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2
	github.com/stretchr/testify v1.12.1
	gonum.org/v1/gonum v0.17.0
)
