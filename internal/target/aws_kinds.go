package target

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/switchyard/switchyard/internal/awsapi/events"
	"github.com/switchyard/switchyard/internal/config"
)

// AWS service targets are forwarded, with the AWS SDK, to the endpoint and
// as the identity that config.Targets.AWS names for the service (real AWS,
// LocalStack, moto, or any compatible emulator). Each kind maps the
// target's parameters onto the service's API as EventBridge does; the
// files aws_<service>.go say how, with the documentation behind it.
//
// Configuration: Targets.AWS is looked up by the service's configuration
// name (kinesis, firehose, states, logs, ecs, batch, ssm, redshift-data,
// sagemaker, apigateway; the ARN service name is accepted too), then
// "default". An entry with no access key uses the SDK's default
// credential chain (environment, shared files, instance role); an entry
// with no region uses the target ARN's region. A service with no entry
// fails like a missing resource, at once and into the dead-letter queue,
// with a message saying what to configure.
//
// The SDK's own retries are off: a failed call is classified (aws_errors.go)
// and delivery retries it durably, with the target's RetryPolicy.

// awsServices maps the ARN service names AWSKinds registers to the
// configuration names tried for them, in order, before "default".
var awsServices = map[string][]string{
	"kinesis":             {"kinesis"},
	"firehose":            {"firehose"},
	"states":              {"states"},
	"logs":                {"logs"},
	"ecs":                 {"ecs"},
	"batch":               {"batch"},
	"ssm":                 {"ssm"},
	"redshift":            {"redshift-data", "redshift"},
	"redshift-serverless": {"redshift-data", "redshift-serverless"},
	"sagemaker":           {"sagemaker"},
	"execute-api":         {"apigateway", "execute-api"},
}

// AWSKinds returns the target kinds of the AWS services, keyed by the
// service name in their ARNs, for Registry.Register. Clients are built on
// first use, once per service and region, and shared by all targets.
func AWSKinds(cfg config.Targets) map[string]Kind {
	a := &awsTargets{cfg: cfg.AWS, clients: map[string]any{}, http: awshttp.NewBuildableClient(), web: &http.Client{}}
	builders := map[string]func(ARN) Target{
		"kinesis":             a.kinesis,
		"firehose":            a.firehose,
		"states":              a.states,
		"logs":                a.logs,
		"ecs":                 a.ecs,
		"batch":               a.batch,
		"ssm":                 a.ssm,
		"redshift":            a.redshift,
		"redshift-serverless": a.redshift,
		"sagemaker":           a.sagemaker,
		"execute-api":         a.apiGateway,
	}
	kinds := make(map[string]Kind, len(builders))
	for service, build := range builders {
		kinds[service] = func(arn ARN) Target {
			if _, _, ok := a.endpoint(arn.Service); !ok {
				return unreachable{reason: a.unconfigured(arn)}
			}
			return build(arn)
		}
	}
	return kinds
}

// awsTargets holds the configuration and the clients built from it.
type awsTargets struct {
	cfg  map[string]config.AWSEndpoint
	http *awshttp.BuildableClient
	web  *http.Client // API Gateway requests

	mu      sync.Mutex
	clients map[string]any // "<config name>|<region>|<service>" → SDK client
	paths   jsonPaths
}

// endpoint returns the configuration entry for an ARN service and its name.
func (a *awsTargets) endpoint(service string) (config.AWSEndpoint, string, bool) {
	for _, name := range awsServices[service] {
		if ep, ok := a.cfg[name]; ok {
			return ep, name, true
		}
	}
	ep, ok := a.cfg["default"]
	return ep, "default", ok
}

func (a *awsTargets) unconfigured(arn ARN) string {
	name := awsServices[arn.Service][0]
	return fmt.Sprintf("Switchyard has no AWS endpoint for %s targets (%s): configure targets.aws.%s or targets.aws.default with endpoint, region and credentials (an empty entry means AWS itself, with the default credential chain)",
		arn.Service, arn.String(), name)
}

// awsRegion is the region calls for an ARN go to: the configured one,
// else the ARN's.
func awsRegion(ep config.AWSEndpoint, arn ARN) string {
	switch {
	case ep.Region != "":
		return ep.Region
	case arn.Region != "":
		return arn.Region
	}
	return "us-east-1"
}

// awsConfig is the SDK configuration for one configuration entry and
// region.
func (a *awsTargets) awsConfig(ctx context.Context, ep config.AWSEndpoint, name, region string) (aws.Config, error) {
	cfg := aws.Config{Region: region, HTTPClient: a.http, Retryer: func() aws.Retryer { return aws.NopRetryer{} }}
	if ep.AccessKeyID != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(ep.AccessKeyID, ep.SecretAccessKey, ep.SessionToken)
		return cfg, nil
	}
	// The default chain resolves credentials lazily, on the first call.
	def, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return cfg, &Error{Code: CodeNoPermissions, Message: "loading AWS credentials for targets.aws." + name + ": " + err.Error()}
	}
	cfg.Credentials = def.Credentials
	return cfg, nil
}

// awsClient returns the shared client of an ARN's service, building it with
// newClient (given the configured endpoint, if any) on first use.
func awsClient[C any](ctx context.Context, a *awsTargets, arn ARN, newClient func(cfg aws.Config, endpoint *string) C) (C, error) {
	var zero C
	ep, name, ok := a.endpoint(arn.Service)
	if !ok {
		return zero, &Error{Code: CodeNotFound, Message: a.unconfigured(arn)}
	}
	region := awsRegion(ep, arn)
	key := name + "|" + region + "|" + arn.Service
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[key].(C); ok {
		return c, nil
	}
	cfg, err := a.awsConfig(ctx, ep, name, region)
	if err != nil {
		return zero, err
	}
	var base *string
	if ep.Endpoint != "" {
		base = aws.String(strings.TrimRight(ep.Endpoint, "/"))
	}
	c := newClient(cfg, base)
	a.clients[key] = c
	return c, nil
}

// hasTargetInput reports whether the target configures its input (Input,
// InputPath or InputTransformer). Run Command and ECS targets receive
// nothing from the event otherwise ("unless the target is Amazon EC2 Run
// Command or Amazon ECS task, in which case nothing from the event is
// passed to the target", PutTargets API reference).
func hasTargetInput(t *events.Target) bool {
	return t.Input != nil || t.InputPath != nil || t.InputTransformer != nil
}

// awsTargetConfig decodes the target as PutTargets described it.
func awsTargetConfig(inv *Invocation) (*events.Target, error) {
	var t events.Target
	if len(inv.Config) == 0 {
		return &t, nil
	}
	if err := json.Unmarshal(inv.Config, &t); err != nil {
		return nil, &Error{Code: CodeInvalidParam, Message: "target configuration: " + err.Error()}
	}
	return &t, nil
}

// awsBadARN fails targets whose ARN does not name a resource of the kind its
// service takes (want describes the form).
func awsBadARN(arn ARN, want string) Target {
	return unreachable{reason: arn.String() + " does not name a target: expected " + want}
}
