package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/batch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/switchyard/switchyard/internal/config"
	"github.com/switchyard/switchyard/internal/target"
)

// AWS service targets against moto (moto_server, Python): Kinesis,
// Firehose, Step Functions, CloudWatch Logs, ECS, Batch, SSM Run Command
// and SageMaker pipelines are created in moto with the SDK; events are
// delivered by Switchyard's AWS target kinds and read back from moto.
// The tests skip when moto_server is not on PATH.

// awstMoto is a moto server and clients for it.
type awstMoto struct {
	t        *testing.T
	url      string
	endpoint config.AWSEndpoint
	cfg      aws.Config

	kinesis   *kinesis.Client
	firehose  *firehose.Client
	sfn       *sfn.Client
	logs      *cloudwatchlogs.Client
	ecs       *ecs.Client
	batch     *batch.Client
	ssm       *ssm.Client
	sagemaker *sagemaker.Client

	// Resources created by setup.
	stream, deliveryStream, bucket, stateMachine, logGroup string
	cluster, taskDef, jobQueue, jobDef, pipeline, document string
}

const awstRegion = "us-east-1"

// awstStartMoto starts moto_server on a free loopback port.
func awstStartMoto(t *testing.T) *awstMoto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH (pip install 'moto[server]')")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logPath := filepath.Join(t.TempDir(), "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
				tail := b[max(0, len(b)-4000):]
				t.Logf("moto log (tail):\n%s", tail)
			}
		}
	})
	m := &awstMoto{t: t, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start on port %d: %v", port, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	m.endpoint = config.AWSEndpoint{Endpoint: m.url, Region: awstRegion, AccessKeyID: "AKIDMOTO", SecretAccessKey: "moto"}
	m.cfg = aws.Config{Region: awstRegion, Credentials: credentials.NewStaticCredentialsProvider("AKIDMOTO", "moto", "")}
	base := aws.String(m.url)
	m.kinesis = kinesis.NewFromConfig(m.cfg, func(o *kinesis.Options) { o.BaseEndpoint = base })
	m.firehose = firehose.NewFromConfig(m.cfg, func(o *firehose.Options) { o.BaseEndpoint = base })
	m.sfn = sfn.NewFromConfig(m.cfg, func(o *sfn.Options) { o.BaseEndpoint = base })
	m.logs = cloudwatchlogs.NewFromConfig(m.cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = base })
	m.ecs = ecs.NewFromConfig(m.cfg, func(o *ecs.Options) { o.BaseEndpoint = base })
	m.batch = batch.NewFromConfig(m.cfg, func(o *batch.Options) { o.BaseEndpoint = base })
	m.ssm = ssm.NewFromConfig(m.cfg, func(o *ssm.Options) { o.BaseEndpoint = base })
	m.sagemaker = sagemaker.NewFromConfig(m.cfg, func(o *sagemaker.Options) { o.BaseEndpoint = base })
	return m
}

// raw sends an unsigned-but-scoped request to moto for services the test
// has no SDK client for (S3, IAM): moto picks the service from the
// credential scope.
func (m *awstMoto) raw(method, service, path, contentType, body string) string {
	m.t.Helper()
	req, err := http.NewRequest(method, m.url+path, strings.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDMOTO/20240101/"+awstRegion+"/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		m.t.Fatalf("%s %s (%s): %s %s", method, path, service, resp.Status, b)
	}
	return string(b)
}

// awstOf wraps a call's results; .of(t) returns the value and fails the
// test on an error.
func awstOf[T any](v T, err error) awstResult[T] { return awstResult[T]{v, err} }

type awstResult[T any] struct {
	v   T
	err error
}

func (r awstResult[T]) of(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// setup creates one resource of each kind in moto.
func (m *awstMoto) setup() {
	t := m.t
	c := ctx(t)
	acct := testAccount // moto's default account is also 123456789012
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":" + awstRegion + ":" + acct + ":" + resource
	}

	_ = awstOf(m.kinesis.CreateStream(c, &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(1)})).of(t)
	m.stream = arn("kinesis", "stream/orders")

	m.bucket = "sy-firehose"
	m.raw("PUT", "s3", "/"+m.bucket, "", "")
	_ = awstOf(m.firehose.CreateDeliveryStream(c, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("orders-fh"),
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::" + m.bucket), RoleARN: aws.String("arn:aws:iam::" + acct + ":role/firehose"), Prefix: aws.String("events/"),
		},
	})).of(t)
	m.deliveryStream = arn("firehose", "deliverystream/orders-fh")

	sm := awstOf(m.sfn.CreateStateMachine(c, &sfn.CreateStateMachineInput{
		Name: aws.String("orders-sm"), RoleArn: aws.String("arn:aws:iam::" + acct + ":role/sfn"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
	})).of(t)
	m.stateMachine = aws.ToString(sm.StateMachineArn)

	_ = awstOf(m.logs.CreateLogGroup(c, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/events/orders")})).of(t)
	m.logGroup = arn("logs", "log-group:/aws/events/orders")

	cl := awstOf(m.ecs.CreateCluster(c, &ecs.CreateClusterInput{ClusterName: aws.String("jobs")})).of(t)
	m.cluster = aws.ToString(cl.Cluster.ClusterArn)
	// (moto 5.2 fails RunTask for awsvpc tasks, so the task definition
	// uses the default network mode and targets give no network
	// configuration; the unit tests cover its mapping.)
	td := awstOf(m.ecs.RegisterTaskDefinition(c, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("worker"),
		// moto needs per-container cpu and memory to place the task.
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Essential: aws.Bool(true), Cpu: 64, Memory: aws.Int32(128)}},
	})).of(t)
	m.taskDef = aws.ToString(td.TaskDefinition.TaskDefinitionArn)

	// Batch needs a service role (IAM, created with the Query API) and an
	// unmanaged compute environment. moto runs jobs with Docker; without
	// it they fail, but the submission is recorded as made.
	m.raw("POST", "iam", "/", "application/x-www-form-urlencoded",
		"Action=CreateRole&Version=2010-05-08&RoleName=batch-service&AssumeRolePolicyDocument=%7B%7D")
	ce := awstOf(m.batch.CreateComputeEnvironment(c, &batch.CreateComputeEnvironmentInput{
		ComputeEnvironmentName: aws.String("sy-ce"), Type: batchtypes.CETypeUnmanaged, State: batchtypes.CEStateEnabled,
		ServiceRole: aws.String("arn:aws:iam::" + acct + ":role/batch-service"),
	})).of(t)
	q := awstOf(m.batch.CreateJobQueue(c, &batch.CreateJobQueueInput{
		JobQueueName: aws.String("sy-queue"), State: batchtypes.JQStateEnabled, Priority: aws.Int32(1),
		ComputeEnvironmentOrder: []batchtypes.ComputeEnvironmentOrder{{Order: aws.Int32(1), ComputeEnvironment: ce.ComputeEnvironmentArn}},
	})).of(t)
	m.jobQueue = aws.ToString(q.JobQueueArn)
	jd := awstOf(m.batch.RegisterJobDefinition(c, &batch.RegisterJobDefinitionInput{
		JobDefinitionName: aws.String("sy-job"), Type: batchtypes.JobDefinitionTypeContainer,
		// Vcpus and Memory are deprecated, but moto renders
		// resourceRequirements back as "1.0", which the SDK cannot decode.
		//lint:ignore SA1019 see above
		ContainerProperties: &batchtypes.ContainerProperties{Image: aws.String("busybox"), Vcpus: aws.Int32(1), Memory: aws.Int32(128),
			Command: []string{"echo", "Ref::user"}},
	})).of(t)
	m.jobDef = aws.ToString(jd.JobDefinitionArn)

	_ = awstOf(m.sagemaker.CreatePipeline(c, &sagemaker.CreatePipelineInput{
		PipelineName: aws.String("train"), RoleArn: aws.String("arn:aws:iam::" + acct + ":role/sm"),
		PipelineDefinition: aws.String(`{"Version":"2020-12-01","Parameters":[{"Name":"User","Type":"String","DefaultValue":"nobody"},{"Name":"Mode","Type":"String","DefaultValue":"quick"}],"Steps":[]}`),
		ClientRequestToken: aws.String("create-train-pipeline-0000000000000"),
	})).of(t)
	m.pipeline = arn("sagemaker", "pipeline/train")
	m.document = "arn:aws:ssm:" + awstRegion + "::document/AWS-RunShellScript" // AWS-owned, built into moto
}

// awstWait polls check until it reports done or the time is up.
func awstWait(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, state := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (m *awstMoto) kinesisRecords() []kinesistypes.Record {
	c := ctx(m.t)
	it := awstOf(m.kinesis.GetShardIterator(c, &kinesis.GetShardIteratorInput{
		StreamName: aws.String("orders"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon,
	})).of(m.t)
	return awstOf(m.kinesis.GetRecords(c, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})).of(m.t).Records
}

func (m *awstMoto) firehoseObjects() []string {
	list := m.raw("GET", "s3", "/"+m.bucket+"?list-type=2", "", "")
	var bodies []string
	for _, k := range regexp.MustCompile(`<Key>([^<]+)</Key>`).FindAllStringSubmatch(list, -1) {
		bodies = append(bodies, m.raw("GET", "s3", "/"+m.bucket+"/"+k[1], "", ""))
	}
	return bodies
}

// awstTask is what the test reads of an ECS task.
type awstTask struct {
	TaskDefinitionArn, LaunchType, Group, StartedBy string
	Overrides                                       struct {
		ContainerOverrides []struct {
			Name    string
			Command []string
		}
	}
}

func (t awstTask) command() string {
	if len(t.Overrides.ContainerOverrides) != 1 {
		return ""
	}
	return strings.Join(t.Overrides.ContainerOverrides[0].Command, " ")
}

// describeTask reads a task with a raw DescribeTasks call: moto 5.2 writes
// the task's cpu as a number, which the Go SDK refuses.
func (m *awstMoto) describeTask(arn string) awstTask {
	m.t.Helper()
	body, _ := json.Marshal(map[string]any{"cluster": m.cluster, "tasks": []string{arn}})
	req, _ := http.NewRequest("POST", m.url+"/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeTasks")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDMOTO/20240101/"+awstRegion+"/ecs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Tasks []awstTask }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Tasks) != 1 {
		m.t.Fatalf("DescribeTasks %s: %v %+v", arn, err, out)
	}
	return out.Tasks[0]
}

// awstEvent is an event as Switchyard delivers it.
func awstEvent(id string, detail string) []byte {
	return []byte(`{"version":"0","id":"` + id + `","detail-type":"Order Placed","source":"shop","account":"` + testAccount +
		`","time":"` + time.Now().UTC().Format(time.RFC3339) + `","region":"` + awstRegion + `","resources":[],"detail":` + detail + `}`)
}

// TestAWSTargetsAgainstMoto invokes the AWS target kinds directly, through
// a registry like the server's, and reads the results back from moto.
func TestAWSTargetsAgainstMoto(t *testing.T) {
	m := awstStartMoto(t)
	m.setup()
	reg := target.NewRegistry()
	for service, kind := range target.AWSKinds(config.Targets{AWS: map[string]config.AWSEndpoint{"default": m.endpoint}}) {
		reg.Register(service, kind)
	}
	const ruleArn = "arn:aws:events:us-east-1:" + testAccount + ":rule/direct"
	invoke := func(arn, targetJSON, eventID string, payload []byte) error {
		ev := awstEvent(eventID, `{"user":"alice","order":7}`)
		if payload == nil {
			payload = ev
		}
		inv := &target.Invocation{Account: testAccount, Region: awstRegion, EventID: eventID, RuleArn: ruleArn, TargetID: "t-" + eventID,
			TargetArn: arn, Config: json.RawMessage(targetJSON), Event: ev, Payload: payload}
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return reg.Resolve(arn).Invoke(c, inv)
	}
	mustInvoke := func(t *testing.T, arn, targetJSON, eventID string, payload []byte) {
		t.Helper()
		if err := invoke(arn, targetJSON, eventID, payload); err != nil {
			t.Fatalf("%s: %v", arn, err)
		}
	}
	c := ctx(t)

	t.Run("kinesis", func(t *testing.T) {
		mustInvoke(t, m.stream, `{"KinesisParameters":{"PartitionKeyPath":"$.detail.user"}}`, "ev-kinesis-1", []byte(`{"k":1}`))
		mustInvoke(t, m.stream, `{}`, "ev-kinesis-2", []byte(`{"k":2}`))
		recs := m.kinesisRecords()
		if len(recs) != 2 || string(recs[0].Data) != `{"k":1}` || aws.ToString(recs[0].PartitionKey) != "alice" ||
			string(recs[1].Data) != `{"k":2}` || aws.ToString(recs[1].PartitionKey) != "ev-kinesis-2" {
			t.Fatalf("records %+v", recs)
		}
	})
	t.Run("firehose", func(t *testing.T) {
		mustInvoke(t, m.deliveryStream, `{}`, "ev-fh-1", []byte(`{"f":1}`))
		if objs := m.firehoseObjects(); len(objs) != 1 || objs[0] != `{"f":1}` {
			t.Fatalf("S3 objects %q", objs)
		}
	})
	t.Run("step functions", func(t *testing.T) {
		mustInvoke(t, m.stateMachine, `{}`, "ev-sfn-1", []byte(`{"s":1}`))
		ex := awstOf(m.sfn.DescribeExecution(c, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(m.stateMachine, ":stateMachine:", ":execution:", 1) + ":ev-sfn-1")})).of(t)
		if aws.ToString(ex.Input) != `{"s":1}` || aws.ToString(ex.Name) != "ev-sfn-1" {
			t.Fatalf("execution %s %s", aws.ToString(ex.Name), aws.ToString(ex.Input))
		}
	})
	t.Run("logs", func(t *testing.T) {
		mustInvoke(t, m.logGroup, `{}`, "ev-logs-1", nil)
		mustInvoke(t, m.logGroup, `{}`, "ev-logs-1", nil) // a retry reuses the stream
		out := awstOf(m.logs.GetLogEvents(c, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/events/orders"), LogStreamName: aws.String("ev-logs-1"), StartFromHead: aws.Bool(true)})).of(t)
		if len(out.Events) != 2 || !strings.Contains(aws.ToString(out.Events[0].Message), `"id":"ev-logs-1"`) {
			t.Fatalf("log events %+v", out.Events)
		}
		var ev struct{ Time time.Time }
		_ = json.Unmarshal([]byte(aws.ToString(out.Events[0].Message)), &ev)
		if aws.ToInt64(out.Events[0].Timestamp) != ev.Time.UnixMilli() {
			t.Errorf("timestamp %d, event time %s", aws.ToInt64(out.Events[0].Timestamp), ev.Time)
		}
	})
	t.Run("ecs", func(t *testing.T) {
		tgt := `{"Input":"{}","EcsParameters":{"TaskDefinitionArn":"` + m.taskDef + `","TaskCount":1,"LaunchType":"FARGATE","Group":"g1","Tags":[{"Key":"team","Value":"shop"}]}}`
		mustInvoke(t, m.cluster, tgt, "ev-ecs-1", []byte(`{"containerOverrides":[{"name":"app","command":["echo","alice"]}]}`))
		tasks := awstOf(m.ecs.ListTasks(c, &ecs.ListTasksInput{Cluster: aws.String(m.cluster), StartedBy: aws.String("events-rule/direct")})).of(t)
		if len(tasks.TaskArns) != 1 {
			t.Fatalf("tasks started by events-rule/direct: %v", tasks.TaskArns)
		}
		task := m.describeTask(tasks.TaskArns[0])
		if task.TaskDefinitionArn != m.taskDef || task.LaunchType != "FARGATE" || task.Group != "g1" || task.StartedBy != "events-rule/direct" ||
			task.command() != "echo alice" {
			t.Fatalf("task %+v", task)
		}
	})
	t.Run("batch", func(t *testing.T) {
		tgt := `{"BatchParameters":{"JobDefinition":"sy-job","JobName":"from-event","RetryStrategy":{"Attempts":2}}}`
		mustInvoke(t, m.jobQueue, tgt, "ev-batch-1", []byte(`{"Parameters":{"user":"alice"},"ContainerOverrides":{"Command":["echo","Ref::user","!"]}}`))
		var job batchtypes.JobDetail
		awstWait(t, "batch job", func() (bool, string) {
			for _, status := range batchtypes.JobStatus("").Values() {
				l := awstOf(m.batch.ListJobs(c, &batch.ListJobsInput{JobQueue: aws.String(m.jobQueue), JobStatus: status})).of(t)
				for _, s := range l.JobSummaryList {
					if aws.ToString(s.JobName) == "from-event" {
						d := awstOf(m.batch.DescribeJobs(c, &batch.DescribeJobsInput{Jobs: []string{aws.ToString(s.JobId)}})).of(t)
						job = d.Jobs[0]
						return true, ""
					}
				}
			}
			return false, "no job named from-event"
		})
		if job.Parameters["user"] != "alice" || job.Container == nil || strings.Join(job.Container.Command, " ") != "echo Ref::user !" {
			b, _ := json.Marshal(job)
			t.Fatalf("job %s", b)
		}
	})
	t.Run("ssm", func(t *testing.T) {
		tgt := `{"Input":"{}","RunCommandParameters":{"RunCommandTargets":[{"Key":"tag:env","Values":["prod"]}]}}`
		mustInvoke(t, m.document, tgt, "ev-ssm-1", []byte(`{"commands":["echo hi"]}`))
		l := awstOf(m.ssm.ListCommands(c, &ssm.ListCommandsInput{})).of(t)
		if len(l.Commands) != 1 {
			t.Fatalf("commands %+v", l.Commands)
		}
		cmd := l.Commands[0]
		if aws.ToString(cmd.DocumentName) != "AWS-RunShellScript" || strings.Join(cmd.Parameters["commands"], ",") != "echo hi" ||
			len(cmd.Targets) != 1 || aws.ToString(cmd.Targets[0].Key) != "tag:env" {
			b, _ := json.Marshal(cmd)
			t.Fatalf("command %s", b)
		}
	})
	t.Run("sagemaker", func(t *testing.T) {
		tgt := `{"SageMakerPipelineParameters":{"PipelineParameterList":[{"Name":"User","Value":"$.detail.user"},{"Name":"Mode","Value":"full"}]}}`
		mustInvoke(t, m.pipeline, tgt, "ev-sm-1", nil)
		ex := awstOf(m.sagemaker.ListPipelineExecutions(c, &sagemaker.ListPipelineExecutionsInput{PipelineName: aws.String("train")})).of(t)
		if len(ex.PipelineExecutionSummaries) != 1 {
			t.Fatalf("executions %+v", ex.PipelineExecutionSummaries)
		}
		p := awstOf(m.sagemaker.ListPipelineParametersForExecution(c, &sagemaker.ListPipelineParametersForExecutionInput{PipelineExecutionArn: ex.PipelineExecutionSummaries[0].PipelineExecutionArn})).of(t)
		got := map[string]string{}
		for _, kv := range p.PipelineParameters {
			got[aws.ToString(kv.Name)] = aws.ToString(kv.Value)
		}
		if got["User"] != "alice" || got["Mode"] != "full" {
			t.Fatalf("pipeline parameters %v", got)
		}
	})
	t.Run("redshift data", func(t *testing.T) {
		// moto accepts the statement but has no way to list it (and its
		// reply, with CreatedAt as text, is one the Go SDK cannot read:
		// a 2xx reply counts as delivered).
		mustInvoke(t, "arn:aws:redshift:us-east-1:"+testAccount+":cluster:analytics", `{"RedshiftDataParameters":{"Database":"dev","DbUser":"admin","Sql":"$.detail.user"}}`, "ev-rs-1", nil)
	})
	t.Run("missing resources", func(t *testing.T) {
		for _, arn := range []string{
			"arn:aws:kinesis:us-east-1:" + testAccount + ":stream/nope",
			"arn:aws:firehose:us-east-1:" + testAccount + ":deliverystream/nope",
			"arn:aws:states:us-east-1:" + testAccount + ":stateMachine:nope",
			"arn:aws:logs:us-east-1:" + testAccount + ":log-group:nope",
			"arn:aws:ecs:us-east-1:" + testAccount + ":cluster/nope",
		} {
			err := invoke(arn, `{"EcsParameters":{"TaskDefinitionArn":"`+m.taskDef+`","LaunchType":"FARGATE"}}`, "ev-missing", []byte(`{}`))
			code, msg := target.Classify(err)
			if code != target.CodeNotFound || target.Retryable(err) {
				t.Errorf("%s: %s %s (retryable %v)", arn, code, msg, target.Retryable(err))
			}
		}
	})
}

// TestAWSTargetsEndToEnd routes events through a whole Switchyard server
// to targets in moto. It needs the AWS kinds registered in
// internal/server (target.AWSKinds); until they are, the probe event's
// dead letter says the service is not available, and the test skips.
func TestAWSTargetsEndToEnd(t *testing.T) {
	m := awstStartMoto(t)
	m.setup()
	e := start(t, func(cfg *config.Config) {
		cfg.Targets.AWS = map[string]config.AWSEndpoint{"default": m.endpoint}
	})
	c := ctx(t)
	dlqURL, dlqArn := e.queue("aws-dlq")
	dlq := &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}
	rule := func(name, source string, targets ...ebtypes.Target) {
		t.Helper()
		_ = awstOf(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{"source":["` + source + `"]}`)})).of(t)
		out := awstOf(e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: targets})).of(t)
		if out.FailedEntryCount != 0 {
			t.Fatalf("PutTargets %s: %+v", name, out.FailedEntries)
		}
	}
	putEvent := func(source, detail string) string {
		t.Helper()
		out := awstOf(e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			{Source: aws.String(source), DetailType: aws.String("Order Placed"), Detail: aws.String(detail)},
		}})).of(t)
		if out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %+v", out.Entries)
		}
		return aws.ToString(out.Entries[0].EventId)
	}
	deadLetters := func(n int, wait time.Duration) []map[string]string {
		var got []map[string]string
		deadline := time.Now().Add(wait)
		for len(got) < n && time.Now().Before(deadline) {
			out := awstOf(e.sqs.ReceiveMessage(c, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}})).of(t)
			for _, msg := range out.Messages {
				a := map[string]string{}
				for k, v := range msg.MessageAttributes {
					a[k] = aws.ToString(v.StringValue)
				}
				got = append(got, a)
				_, _ = e.sqs.DeleteMessage(c, &sqs.DeleteMessageInput{QueueUrl: aws.String(dlqURL), ReceiptHandle: msg.ReceiptHandle})
			}
		}
		return got
	}

	// Probe: a stream that does not exist. Wired, moto says it is missing;
	// not wired, the registry says the service is not available here.
	rule("probe", "probe", ebtypes.Target{Id: aws.String("k"), Arn: aws.String("arn:aws:kinesis:us-east-1:" + testAccount + ":stream/missing"), DeadLetterConfig: dlq})
	putEvent("probe", `{}`)
	probe := deadLetters(1, 20*time.Second)
	if len(probe) != 1 {
		t.Fatalf("the probe event reached no dead-letter queue: %v", probe)
	}
	if strings.Contains(probe[0]["ERROR_MESSAGE"], "is not available as a target here") {
		t.Skip("AWS target kinds are not registered yet: internal/server/wire.go must register target.AWSKinds(s.cfg.Targets)")
	}
	if probe[0]["ERROR_CODE"] != target.CodeNotFound || probe[0]["RETRY_ATTEMPTS"] != "0" || !strings.Contains(probe[0]["ERROR_MESSAGE"], "ResourceNotFoundException") {
		t.Fatalf("missing stream dead letter: %v", probe[0])
	}

	ecsOverride := `{"containerOverrides":[{"name":"app","command":["echo",<user>]}]}`
	rule("orders-streams", "shop",
		ebtypes.Target{Id: aws.String("kinesis"), Arn: aws.String(m.stream), DeadLetterConfig: dlq,
			KinesisParameters: &ebtypes.KinesisParameters{PartitionKeyPath: aws.String("$.detail.user")}},
		ebtypes.Target{Id: aws.String("firehose"), Arn: aws.String(m.deliveryStream), DeadLetterConfig: dlq},
		ebtypes.Target{Id: aws.String("sfn"), Arn: aws.String(m.stateMachine), DeadLetterConfig: dlq},
		ebtypes.Target{Id: aws.String("logs"), Arn: aws.String(m.logGroup), DeadLetterConfig: dlq},
		ebtypes.Target{Id: aws.String("ecs"), Arn: aws.String(m.cluster), DeadLetterConfig: dlq,
			EcsParameters:    &ebtypes.EcsParameters{TaskDefinitionArn: aws.String(m.taskDef), LaunchType: ebtypes.LaunchTypeFargate},
			InputTransformer: &ebtypes.InputTransformer{InputPathsMap: map[string]string{"user": "$.detail.user"}, InputTemplate: aws.String(ecsOverride)}},
	)
	rule("orders-jobs", "shop",
		ebtypes.Target{Id: aws.String("batch"), Arn: aws.String(m.jobQueue), DeadLetterConfig: dlq,
			BatchParameters:  &ebtypes.BatchParameters{JobDefinition: aws.String("sy-job"), JobName: aws.String("order-job")},
			InputTransformer: &ebtypes.InputTransformer{InputPathsMap: map[string]string{"user": "$.detail.user"}, InputTemplate: aws.String(`{"Parameters":{"user":<user>}}`)}},
		ebtypes.Target{Id: aws.String("ssm"), Arn: aws.String(m.document), DeadLetterConfig: dlq, Input: aws.String(`{"commands":["echo order"]}`),
			RunCommandParameters: &ebtypes.RunCommandParameters{RunCommandTargets: []ebtypes.RunCommandTarget{{Key: aws.String("tag:env"), Values: []string{"prod"}}}}},
		ebtypes.Target{Id: aws.String("sagemaker"), Arn: aws.String(m.pipeline), DeadLetterConfig: dlq,
			SageMakerPipelineParameters: &ebtypes.SageMakerPipelineParameters{PipelineParameterList: []ebtypes.SageMakerPipelineParameter{{Name: aws.String("User"), Value: aws.String("$.detail.user")}}}},
	)
	id := putEvent("shop", `{"user":"alice","order":7}`)
	isEvent := func(b []byte) bool {
		var ev map[string]any
		return json.Unmarshal(b, &ev) == nil && ev["id"] == id && ev["source"] == "shop"
	}

	awstWait(t, "kinesis record", func() (bool, string) {
		recs := m.kinesisRecords()
		return len(recs) == 1 && isEvent(recs[0].Data) && aws.ToString(recs[0].PartitionKey) == "alice", fmt.Sprintf("%d records", len(recs))
	})
	awstWait(t, "firehose record in S3", func() (bool, string) {
		objs := m.firehoseObjects()
		return len(objs) == 1 && isEvent([]byte(objs[0])), fmt.Sprintf("objects %q", objs)
	})
	awstWait(t, "step functions execution", func() (bool, string) {
		ex, err := m.sfn.DescribeExecution(c, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(m.stateMachine, ":stateMachine:", ":execution:", 1) + ":" + id)})
		if err != nil {
			return false, err.Error()
		}
		return isEvent([]byte(aws.ToString(ex.Input))), aws.ToString(ex.Input)
	})
	awstWait(t, "log event", func() (bool, string) {
		out, err := m.logs.GetLogEvents(c, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/events/orders"), LogStreamName: aws.String(id), StartFromHead: aws.Bool(true)})
		if err != nil {
			return false, err.Error()
		}
		return len(out.Events) == 1 && isEvent([]byte(aws.ToString(out.Events[0].Message))), fmt.Sprintf("%d events", len(out.Events))
	})
	awstWait(t, "ECS task", func() (bool, string) {
		tasks := awstOf(m.ecs.ListTasks(c, &ecs.ListTasksInput{Cluster: aws.String(m.cluster), StartedBy: aws.String("events-rule/orders-streams")})).of(t)
		if len(tasks.TaskArns) != 1 {
			return false, fmt.Sprintf("tasks %v", tasks.TaskArns)
		}
		task := m.describeTask(tasks.TaskArns[0])
		return task.command() == "echo alice", fmt.Sprintf("task %+v", task)
	})
	awstWait(t, "batch job", func() (bool, string) {
		for _, status := range batchtypes.JobStatus("").Values() {
			l := awstOf(m.batch.ListJobs(c, &batch.ListJobsInput{JobQueue: aws.String(m.jobQueue), JobStatus: status})).of(t)
			for _, s := range l.JobSummaryList {
				if aws.ToString(s.JobName) == "order-job" {
					d := awstOf(m.batch.DescribeJobs(c, &batch.DescribeJobsInput{Jobs: []string{aws.ToString(s.JobId)}})).of(t)
					return d.Jobs[0].Parameters["user"] == "alice", fmt.Sprintf("parameters %v", d.Jobs[0].Parameters)
				}
			}
		}
		return false, "no job"
	})
	awstWait(t, "run command", func() (bool, string) {
		l := awstOf(m.ssm.ListCommands(c, &ssm.ListCommandsInput{})).of(t)
		return len(l.Commands) == 1 && strings.Join(l.Commands[0].Parameters["commands"], "") == "echo order", fmt.Sprintf("%d commands", len(l.Commands))
	})
	awstWait(t, "pipeline execution", func() (bool, string) {
		ex := awstOf(m.sagemaker.ListPipelineExecutions(c, &sagemaker.ListPipelineExecutionsInput{PipelineName: aws.String("train")})).of(t)
		if len(ex.PipelineExecutionSummaries) != 1 {
			return false, fmt.Sprintf("%d executions", len(ex.PipelineExecutionSummaries))
		}
		p := awstOf(m.sagemaker.ListPipelineParametersForExecution(c, &sagemaker.ListPipelineParametersForExecutionInput{PipelineExecutionArn: ex.PipelineExecutionSummaries[0].PipelineExecutionArn})).of(t)
		return len(p.PipelineParameters) == 1 && aws.ToString(p.PipelineParameters[0].Value) == "alice", fmt.Sprintf("%+v", p.PipelineParameters)
	})
	if dl := deadLetters(1, 2*time.Second); len(dl) != 0 {
		t.Fatalf("dead letters: %v", dl)
	}
}
