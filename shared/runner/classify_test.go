package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err, "read fixture")
		return string(b)
	}
	tests := []struct {
		name  string
		event string
		want  eventKind
	}{
		{"REST v1 sample", read("apigw-rest-v1.json"), kindRESTv1},
		{"HTTP API v2 sample", read("http-api-v2.json"), kindHTTPv2},
		{"Function URL sample", read("function-url.json"), kindFunctionURL},
		{"SQS sample", read("unknown.json"), kindUnknown},
		{"HTTP API payload 1.0 is v1", `{"version":"1.0","httpMethod":"GET","requestContext":{"stage":"$default"}}`, kindRESTv1},
		{"v1 by resourcePath", `{"httpMethod":"GET","requestContext":{"resourcePath":"/x"}}`, kindRESTv1},
		{"v1 null stage", `{"httpMethod":"GET","requestContext":{"stage":null}}`, kindUnknown},
		{"v2 without version", `{"requestContext":{"http":{"method":"GET"}}}`, kindUnknown},
		{"v2 version 2", `{"version":2,"requestContext":{"http":{"method":"GET"}}}`, kindUnknown},
		{"v2 null method", `{"version":"2.0","requestContext":{"http":{"method":null}}}`, kindUnknown},
		{"v2 custom domain", `{"version":"2.0","requestContext":{"domainName":"api.example.com","http":{"method":"GET"}}}`, kindHTTPv2},
		{"lambda-url without region", `{"version":"2.0","requestContext":{"domainName":"abc.lambda-url..on.aws","http":{"method":"GET"}}}`, kindHTTPv2},
		{"lambda-url other suffix", `{"version":"2.0","requestContext":{"domainName":"abc.lambda-url.eu-west-1.on.aws.example.com","http":{"method":"GET"}}}`, kindHTTPv2},
		{"lambda-url without id", `{"version":"2.0","requestContext":{"domainName":".lambda-url.eu-west-1.on.aws","http":{"method":"GET"}}}`, kindHTTPv2},
		{"lambda-url", `{"version":"2.0","requestContext":{"domainName":"abc.lambda-url.us-east-1.on.aws","http":{"method":"GET"}}}`, kindFunctionURL},
		{"both shapes: v2 wins", `{"version":"2.0","httpMethod":"GET","requestContext":{"stage":"x","http":{"method":"GET"}}}`, kindHTTPv2},
		{"array", `[{"httpMethod":"GET"}]`, kindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := classify([]byte(tt.event))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
