package target

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/batch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/switchyard/switchyard/internal/arn"
	"github.com/switchyard/switchyard/internal/config"
)

const (
	testEventID = "2f3a3c3e-1111-2222-3333-444455556666"
	testRuleArn = "arn:aws:events:us-east-1:123456789012:rule/my-bus/my-rule"
	testEvent   = `{"version":"0","id":"2f3a3c3e-1111-2222-3333-444455556666","detail-type":"Order Placed","source":"shop","account":"123456789012","time":"2024-05-06T07:08:09Z","region":"us-east-1","resources":[],"detail":{"user":"alice","n":42,"obj":{"a":[1,2]},"nil":null,"empty":"","city":"Paris 1er","sql":"SELECT 1","long":"` + "%s" + `"}}`
)

func testEventJSON() []byte {
	return []byte(strings.Replace(testEvent, "%s", strings.Repeat("x", 300), 1))
}

// newTestAWS returns the AWS kinds' state with every service configured.
func newTestAWS() *awsTargets {
	return AWSKinds(config.Targets{AWS: map[string]config.AWSEndpoint{"default": {Endpoint: "http://127.0.0.1:1", Region: "us-east-1", AccessKeyID: "AK", SecretAccessKey: "SK"}}})["kinesis"](mustARN("arn:aws:kinesis:us-east-1:1:stream/s")).(*kinesisTarget).a
}

func mustARN(s string) ARN {
	a, err := arn.Parse(s)
	if err != nil {
		panic(err)
	}
	return a
}

// invocation builds an Invocation of a target given as PutTargets JSON.
func invocation(targetJSON, payload string) *Invocation {
	var t struct{ Arn string }
	_ = json.Unmarshal([]byte(targetJSON), &t)
	ev := testEventJSON()
	if payload == "" {
		payload = string(ev)
	}
	return &Invocation{
		Account: "123456789012", Region: "us-east-1", EventID: testEventID, RuleArn: testRuleArn,
		TargetID: "t1", TargetArn: t.Arn, Config: json.RawMessage(targetJSON), Event: ev, Payload: []byte(payload),
	}
}

func wantError(t *testing.T, err error, code string, retryable bool) {
	t.Helper()
	var te *Error
	if !errors.As(err, &te) || te.Code != code || te.Retryable != retryable {
		t.Fatalf("error %v: want code %s retryable %v", err, code, retryable)
	}
}

func TestAWSKindsServices(t *testing.T) {
	kinds := AWSKinds(config.Targets{})
	want := []string{"batch", "ecs", "execute-api", "firehose", "kinesis", "logs", "redshift", "redshift-serverless", "sagemaker", "ssm", "states"}
	for _, s := range want {
		if kinds[s] == nil {
			t.Errorf("no kind for %s", s)
		}
	}
	if len(kinds) != len(want) {
		t.Errorf("kinds %d, want %d", len(kinds), len(want))
	}
}

func TestAWSUnconfigured(t *testing.T) {
	reg := NewRegistry()
	for s, k := range AWSKinds(config.Targets{AWS: map[string]config.AWSEndpoint{"logs": {}}}) {
		reg.Register(s, k)
	}
	for _, c := range []struct{ arn, config string }{
		{"arn:aws:kinesis:us-east-1:123456789012:stream/s", "targets.aws.kinesis"},
		{"arn:aws:redshift:us-east-1:123456789012:cluster:c", "targets.aws.redshift-data"},
		{"arn:aws:execute-api:us-east-1:123456789012:api/prod/POST/x", "targets.aws.apigateway"},
	} {
		err := reg.Resolve(c.arn).Invoke(context.Background(), invocation(`{"Arn":"`+c.arn+`"}`, "{}"))
		wantError(t, err, CodeNotFound, false)
		if !strings.Contains(err.Error(), c.config) || !strings.Contains(err.Error(), "targets.aws.default") {
			t.Errorf("%s: message does not say what to configure: %v", c.arn, err)
		}
	}
	// A configured service with a malformed ARN says what ARN it expects.
	err := reg.Resolve("arn:aws:logs:us-east-1:123456789012:destination:d").Invoke(context.Background(), invocation(`{}`, "{}"))
	wantError(t, err, CodeNotFound, false)
	if !strings.Contains(err.Error(), "log-group:<name>") {
		t.Errorf("malformed ARN: %v", err)
	}
}

func TestAWSEndpointLookup(t *testing.T) {
	a := &awsTargets{cfg: map[string]config.AWSEndpoint{
		"default":       {Endpoint: "http://default"},
		"redshift-data": {Endpoint: "http://rsd"},
		"execute-api":   {Endpoint: "http://apigw"},
		"states":        {Region: "eu-west-1"},
	}}
	for service, want := range map[string]string{
		"redshift": "redshift-data", "redshift-serverless": "redshift-data", "execute-api": "execute-api",
		"states": "states", "kinesis": "default",
	} {
		if _, name, _ := a.endpoint(service); name != want {
			t.Errorf("%s: config %q, want %q", service, name, want)
		}
	}
	ep, _, _ := a.endpoint("states")
	if r := awsRegion(ep, mustARN("arn:aws:states:us-west-2:1:stateMachine:m")); r != "eu-west-1" {
		t.Errorf("configured region not used: %s", r)
	}
	ep, _, _ = a.endpoint("kinesis")
	if r := awsRegion(ep, mustARN("arn:aws:kinesis:us-west-2:1:stream/s")); r != "us-west-2" {
		t.Errorf("ARN region not used: %s", r)
	}
}

func TestKinesisPartitionKey(t *testing.T) {
	a := newTestAWS()
	for _, c := range []struct {
		name, params, want, code string
	}{
		{"default is the event id", ``, testEventID, ""},
		{"string", `"KinesisParameters":{"PartitionKeyPath":"$.detail.user"},`, "alice", ""},
		{"number", `"KinesisParameters":{"PartitionKeyPath":"$.detail.n"},`, "42", ""},
		{"object", `"KinesisParameters":{"PartitionKeyPath":"$.detail.obj"},`, `{"a":[1,2]}`, ""},
		{"array element", `"KinesisParameters":{"PartitionKeyPath":"$.detail.obj.a[1]"},`, "2", ""},
		{"bracket notation", `"KinesisParameters":{"PartitionKeyPath":"$['detail']['city']"},`, "Paris 1er", ""},
		{"missing falls back", `"KinesisParameters":{"PartitionKeyPath":"$.detail.nope"},`, testEventID, ""},
		{"null falls back", `"KinesisParameters":{"PartitionKeyPath":"$.detail.nil"},`, testEventID, ""},
		{"empty falls back", `"KinesisParameters":{"PartitionKeyPath":"$.detail.empty"},`, testEventID, ""},
		{"not a path", `"KinesisParameters":{"PartitionKeyPath":"detail.user"},`, "", CodeInvalidParam},
		{"too long", `"KinesisParameters":{"PartitionKeyPath":"$.detail.long"},`, "", CodeInvalidParam},
	} {
		t.Run(c.name, func(t *testing.T) {
			arn := "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
			inv := invocation(`{"Id":"t1",`+c.params+`"Arn":"`+arn+`"}`, `{"p":1}`)
			in, err := a.kinesis(mustARN(arn)).(*kinesisTarget).input(inv)
			if c.code != "" {
				wantError(t, err, c.code, false)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(in.PartitionKey) != c.want || aws.ToString(in.StreamName) != "orders" || string(in.Data) != `{"p":1}` {
				t.Fatalf("PutRecord %q %q %s", aws.ToString(in.StreamName), aws.ToString(in.PartitionKey), in.Data)
			}
		})
	}
}

func TestFirehoseSFNInput(t *testing.T) {
	a := newTestAWS()
	fh := a.firehose(mustARN("arn:aws:firehose:us-east-1:123456789012:deliverystream/ds")).(*firehoseTarget).input(invocation(`{}`, `{"a":1}`))
	if aws.ToString(fh.DeliveryStreamName) != "ds" || string(fh.Record.Data) != `{"a":1}` {
		t.Fatalf("firehose %+v", fh)
	}
	for _, arn := range []string{
		"arn:aws:states:us-east-1:123456789012:stateMachine:m",
		"arn:aws:states:us-east-1:123456789012:stateMachine:m:prod", // alias
	} {
		in := a.states(mustARN(arn)).(*sfnTarget).input(invocation(`{}`, `{"a":1}`))
		if aws.ToString(in.StateMachineArn) != arn || aws.ToString(in.Input) != `{"a":1}` || aws.ToString(in.Name) != testEventID {
			t.Fatalf("StartExecution %q %q %q", aws.ToString(in.StateMachineArn), aws.ToString(in.Input), aws.ToString(in.Name))
		}
	}
	if _, ok := a.states(mustARN("arn:aws:states:us-east-1:1:activity:a")).(unreachable); !ok {
		t.Error("an activity ARN is not a state machine")
	}
}

func TestLogsInput(t *testing.T) {
	a := newTestAWS()
	evTime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixMilli()
	for _, c := range []struct {
		name, arn, payload, group, msg string
		ts                             int64
	}{
		{"event", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/app", "", "/aws/events/app", string(testEventJSON()), evTime},
		{"group ARN with :*", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/app:*", `"text"`, "/aws/events/app", `"text"`, evTime},
		{"timestamp and message form", "arn:aws:logs:us-east-1:1:log-group:g", `{"timestamp":"2024-01-02T03:04:05Z","message":"Order Placed"}`, "g", "Order Placed", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()},
		{"epoch milliseconds", "arn:aws:logs:us-east-1:1:log-group:g", `{"message":"m","timestamp":1700000000123}`, "g", "m", 1700000000123},
		{"unreadable timestamp uses the event's", "arn:aws:logs:us-east-1:1:log-group:g", `{"message":"m","timestamp":"soon"}`, "g", "m", evTime},
		{"other objects are the message", "arn:aws:logs:us-east-1:1:log-group:g", `{"message":"m","timestamp":1,"x":2}`, "g", `{"message":"m","timestamp":1,"x":2}`, evTime},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := a.logs(mustARN(c.arn)).(*logsTarget).input(invocation(`{}`, c.payload))
			ev := in.LogEvents[0]
			if aws.ToString(in.LogGroupName) != c.group || aws.ToString(in.LogStreamName) != testEventID || aws.ToString(ev.Message) != c.msg || aws.ToInt64(ev.Timestamp) != c.ts {
				t.Fatalf("PutLogEvents %q %q %q %d", aws.ToString(in.LogGroupName), aws.ToString(in.LogStreamName), aws.ToString(ev.Message), aws.ToInt64(ev.Timestamp))
			}
		})
	}
}

func TestECSInput(t *testing.T) {
	a := newTestAWS()
	const cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/jobs"
	full := `{"Id":"t1","Arn":"` + cluster + `","EcsParameters":{"TaskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/fam:3","TaskCount":2,"LaunchType":"FARGATE",
		"NetworkConfiguration":{"awsvpcConfiguration":{"Subnets":["subnet-1"],"SecurityGroups":["sg-1"],"AssignPublicIp":"ENABLED"}},
		"PlatformVersion":"1.4.0","Group":"g","CapacityProviderStrategy":[{"capacityProvider":"FARGATE_SPOT","weight":2,"base":1}],
		"EnableECSManagedTags":true,"EnableExecuteCommand":true,"PlacementConstraints":[{"type":"memberOf","expression":"attribute:x == y"}],
		"PlacementStrategy":[{"type":"spread","field":"attribute:ecs.availability-zone"}],"PropagateTags":"TASK_DEFINITION","ReferenceId":"ref","Tags":[{"Key":"k","Value":"v"}]}%s}`
	base := ecs.RunTaskInput{
		Cluster: aws.String(cluster), TaskDefinition: aws.String("arn:aws:ecs:us-east-1:123456789012:task-definition/fam:3"), Count: aws.Int32(2),
		LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: ecstypes.AssignPublicIpEnabled}},
		PlatformVersion: aws.String("1.4.0"), Group: aws.String("g"),
		CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 2, Base: 1}},
		EnableECSManagedTags:     true, EnableExecuteCommand: true,
		PlacementConstraints: []ecstypes.PlacementConstraint{{Type: ecstypes.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:x == y")}},
		PlacementStrategy:    []ecstypes.PlacementStrategy{{Type: ecstypes.PlacementStrategyTypeSpread, Field: aws.String("attribute:ecs.availability-zone")}},
		PropagateTags:        ecstypes.PropagateTagsTaskDefinition, ReferenceId: aws.String("ref"),
		Tags:      []ecstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		StartedBy: aws.String("events-rule/my-rule"),
	}
	withOverrides := base
	withOverrides.Overrides = &ecstypes.TaskOverride{
		ContainerOverrides: []ecstypes.ContainerOverride{{Name: aws.String("app"), Command: []string{"echo", "alice"},
			Environment: []ecstypes.KeyValuePair{{Name: aws.String("USER"), Value: aws.String("alice")}}, Cpu: aws.Int32(256)}},
		TaskRoleArn: aws.String("arn:aws:iam::1:role/r"),
	}
	minimal := ecs.RunTaskInput{Cluster: aws.String(cluster), TaskDefinition: aws.String("fam"), Count: aws.Int32(1), StartedBy: aws.String("events-rule/my-rule")}
	for _, c := range []struct {
		name, target, payload string
		want                  *ecs.RunTaskInput
		code                  string
	}{
		{"every parameter, no input: no overrides", full, "", &base, ""},
		{"input is the task overrides", strings.Replace(full, "%s", `,"Input":"x"`, 1),
			`{"containerOverrides":[{"name":"app","command":["echo","alice"],"environment":[{"name":"USER","value":"alice"}],"cpu":256}],"taskRoleArn":"arn:aws:iam::1:role/r"}`, &withOverrides, ""},
		{"EventBridge spelling", strings.Replace(full, "%s", `,"InputPath":"$.detail"`, 1),
			`{"ContainerOverrides":[{"Name":"app","Command":["echo","alice"],"Environment":[{"Name":"USER","Value":"alice"}],"Cpu":256}],"TaskRoleArn":"arn:aws:iam::1:role/r"}`, &withOverrides, ""},
		{"defaults", `{"Arn":"` + cluster + `","EcsParameters":{"TaskDefinitionArn":"fam"}}`, "", &minimal, ""},
		{"no task definition", `{"Arn":"` + cluster + `","EcsParameters":{}}`, "", nil, CodeInvalidParam},
		{"input not an object", strings.Replace(full, "%s", `,"Input":"x"`, 1), `"run"`, nil, codeInvalidJSON},
		{"input of the wrong shape", strings.Replace(full, "%s", `,"Input":"x"`, 1), `{"containerOverrides":{"name":"app"}}`, nil, CodeInvalidParam},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := strings.Replace(c.target, "%s", "", 1)
			inv := invocation(target, c.payload)
			got, err := a.ecs(mustARN(cluster)).(*ecsTarget).input(inv)
			if c.code != "" {
				wantError(t, err, c.code, false)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(got.ClientToken) != awsIdempotencyToken(inv) || len(*got.ClientToken) != 64 {
				t.Errorf("client token %q", aws.ToString(got.ClientToken))
			}
			got.ClientToken = nil
			if !reflect.DeepEqual(got, c.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(c.want)
				t.Fatalf("RunTask\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestBatchInput(t *testing.T) {
	a := newTestAWS()
	const queue = "arn:aws:batch:us-east-1:123456789012:job-queue/q"
	target := `{"Arn":"` + queue + `","BatchParameters":{"JobDefinition":"def:2","JobName":"job","ArrayProperties":{"Size":10},"RetryStrategy":{"Attempts":3}}}`
	for _, c := range []struct {
		name, target, payload string
		want                  *batch.SubmitJobInput
		code                  string
	}{
		{"event: no parameters", target, "", &batch.SubmitJobInput{JobQueue: aws.String(queue), JobDefinition: aws.String("def:2"), JobName: aws.String("job"),
			ArrayProperties: &batchtypes.ArrayProperties{Size: aws.Int32(10)}, RetryStrategy: &batchtypes.RetryStrategy{Attempts: aws.Int32(3)}}, ""},
		{"parameters and overrides from the input", `{"Arn":"` + queue + `","BatchParameters":{"JobDefinition":"def","JobName":"job"}}`,
			`{"Parameters":{"S3bucket":"b","n":7,"skip":null},"ContainerOverrides":{"Command":["echo","Ref::S3bucket"],"Environment":[{"Name":"A","Value":"1"}]}}`,
			&batch.SubmitJobInput{JobQueue: aws.String(queue), JobDefinition: aws.String("def"), JobName: aws.String("job"),
				Parameters:         map[string]string{"S3bucket": "b", "n": "7"},
				ContainerOverrides: &batchtypes.ContainerOverrides{Command: []string{"echo", "Ref::S3bucket"}, Environment: []batchtypes.KeyValuePair{{Name: aws.String("A"), Value: aws.String("1")}}}}, ""},
		{"no job name", `{"Arn":"` + queue + `","BatchParameters":{"JobDefinition":"def"}}`, "", nil, CodeInvalidParam},
		{"no batch parameters", `{"Arn":"` + queue + `"}`, "", nil, CodeInvalidParam},
		{"bad overrides", target, `{"ContainerOverrides":{"Command":"echo"}}`, nil, CodeInvalidParam},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := a.batch(mustARN(queue)).(*batchTarget).input(invocation(c.target, c.payload))
			if c.code != "" {
				wantError(t, err, c.code, false)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(c.want)
				t.Fatalf("SubmitJob\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestSSMInput(t *testing.T) {
	a := newTestAWS()
	const doc = "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"
	targets := `"RunCommandParameters":{"RunCommandTargets":[{"Key":"tag:env","Values":["prod","staging"]}]}`
	for _, c := range []struct {
		name, target, payload string
		want                  *ssm.SendCommandInput
		code                  string
	}{
		{"no input: no parameters", `{"Arn":"` + doc + `",` + targets + `}`, "", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"),
			Targets: []ssmtypes.Target{{Key: aws.String("tag:env"), Values: []string{"prod", "staging"}}}}, ""},
		{"input is the parameters", `{"Arn":"` + doc + `","Input":"{}",` + targets + `}`, `{"commands":["tail -n 10 /var/log/messages"],"workingDirectory":"/tmp","executionTimeout":3600}`,
			&ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"),
				Targets:    []ssmtypes.Target{{Key: aws.String("tag:env"), Values: []string{"prod", "staging"}}},
				Parameters: map[string][]string{"commands": {"tail -n 10 /var/log/messages"}, "workingDirectory": {"/tmp"}, "executionTimeout": {"3600"}}}, ""},
		{"instance ids", `{"Arn":"` + doc + `","RunCommandParameters":{"RunCommandTargets":[{"Key":"InstanceIds","Values":["i-1"]}]}}`, "",
			&ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), Targets: []ssmtypes.Target{{Key: aws.String("InstanceIds"), Values: []string{"i-1"}}}}, ""},
		{"no targets", `{"Arn":"` + doc + `"}`, "", nil, CodeInvalidParam},
		{"input not an object", `{"Arn":"` + doc + `","Input":"x",` + targets + `}`, `["ls"]`, nil, codeInvalidJSON},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := a.ssm(mustARN(doc)).(*ssmTarget).input(invocation(c.target, c.payload))
			if c.code != "" {
				wantError(t, err, c.code, false)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(c.want)
				t.Fatalf("SendCommand\n got %s\nwant %s", g, w)
			}
		})
	}
	if _, ok := a.ssm(mustARN("arn:aws:ssm:us-east-1:1:automation-definition/x:$DEFAULT")).(unreachable); !ok {
		t.Error("automation definitions are not Run Command documents")
	}
}

func TestRedshiftInput(t *testing.T) {
	a := newTestAWS()
	const cluster = "arn:aws:redshift:us-east-1:123456789012:cluster:analytics"
	const workgroup = "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/0b1c"
	params := `"RedshiftDataParameters":{"Database":"dev","DbUser":"$.detail.user","SecretManagerArn":"arn:aws:secretsmanager:us-east-1:1:secret:s","StatementName":"st","WithEvent":true,`
	inv := invocation(`{"Arn":"`+cluster+`",`+params+`"Sql":"$.detail.sql"}}`, "")
	in, b, err := a.redshift(mustARN(cluster)).(*redshiftTarget).input(inv)
	if err != nil || b != nil {
		t.Fatal(err, b)
	}
	want := &redshiftdata.ExecuteStatementInput{Sql: aws.String("SELECT 1"), ClusterIdentifier: aws.String("analytics"), Database: aws.String("dev"),
		DbUser: aws.String("alice"), SecretArn: aws.String("arn:aws:secretsmanager:us-east-1:1:secret:s"), StatementName: aws.String("st"),
		WithEvent: aws.Bool(true), ClientToken: aws.String(awsIdempotencyToken(inv))}
	if !reflect.DeepEqual(in, want) {
		g, _ := json.Marshal(in)
		t.Fatalf("ExecuteStatement %s", g)
	}
	inv = invocation(`{"Arn":"`+workgroup+`",`+params+`"Sqls":["INSERT INTO t VALUES (1)","$.detail.sql"]}}`, "")
	in, b, err = a.redshift(mustARN(workgroup)).(*redshiftTarget).input(inv)
	if err != nil || in != nil {
		t.Fatal(err, in)
	}
	if aws.ToString(b.WorkgroupName) != workgroup || b.ClusterIdentifier != nil || !reflect.DeepEqual(b.Sqls, []string{"INSERT INTO t VALUES (1)", "SELECT 1"}) || aws.ToString(b.DbUser) != "alice" {
		g, _ := json.Marshal(b)
		t.Fatalf("BatchExecuteStatement %s", g)
	}
	_, _, err = a.redshift(mustARN(cluster)).(*redshiftTarget).input(invocation(`{"Arn":"`+cluster+`","RedshiftDataParameters":{"Database":"dev"}}`, ""))
	wantError(t, err, CodeInvalidParam, false)
}

func TestSageMakerInput(t *testing.T) {
	a := newTestAWS()
	const arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train"
	inv := invocation(`{"Arn":"`+arn+`","SageMakerPipelineParameters":{"PipelineParameterList":[{"Name":"User","Value":"$.detail.user"},{"Name":"Mode","Value":"full"},{"Name":"N","Value":"$.detail.n"}]}}`, "")
	in, err := a.sagemaker(mustARN(arn)).(*sagemakerTarget).input(inv)
	if err != nil {
		t.Fatal(err)
	}
	want := &sagemaker.StartPipelineExecutionInput{PipelineName: aws.String("train"), ClientRequestToken: aws.String(awsIdempotencyToken(inv)),
		PipelineParameters: []smtypes.Parameter{{Name: aws.String("User"), Value: aws.String("alice")}, {Name: aws.String("Mode"), Value: aws.String("full")}, {Name: aws.String("N"), Value: aws.String("42")}}}
	if !reflect.DeepEqual(in, want) {
		g, _ := json.Marshal(in)
		t.Fatalf("StartPipelineExecution %s", g)
	}
}

func TestDynamicValues(t *testing.T) {
	var p jsonPaths
	ev := testEventJSON()
	for in, want := range map[string]string{
		"$.detail.user": "alice", "$.detail.n": "42", "$.detail.obj": `{"a":[1,2]}`, "$.detail.nope": "", "$.detail.nil": "",
		"plain": "plain", "$5 off": "$5 off", "": "", "a $.detail.user": "a $.detail.user", "$.detail.obj.a[*]": "[1,2]",
	} {
		if got := p.dynamic(ev, in); got != want {
			t.Errorf("dynamic(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdempotencyToken(t *testing.T) {
	a := &Invocation{EventID: "e", RuleArn: "r", TargetID: "t"}
	b := &Invocation{EventID: "e", RuleArn: "r", TargetID: "u"}
	if awsIdempotencyToken(a) == awsIdempotencyToken(b) || awsIdempotencyToken(a) != awsIdempotencyToken(&Invocation{EventID: "e", RuleArn: "r", TargetID: "t"}) {
		t.Fatal("tokens must identify the delivery")
	}
}
