package target

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/batch/types"
)

// Batch job queues (arn:aws:batch:<region>:<account>:job-queue/<name>)
// receive SubmitJob: JobDefinition, JobName, ArrayProperties.Size and
// RetryStrategy.Attempts from BatchParameters, and, from the target input,
// the job's Parameters and ContainerOverrides. The Batch user guide
// ("Passing event information to an AWS Batch target using the ...
// input transformer") has the transformer produce {"Parameters":
// {"S3bucket": <S3BucketValue>}, "ContainerOverrides": {"Command": [...]}},
// which becomes the job's parameters (substituted for Ref::S3bucket in the
// job definition's command) and container overrides. An input without
// those members (the event itself, by default) submits the job without
// parameters. Parameter values that are not strings are sent as their
// JSON text.

type batchTarget struct {
	a   *awsTargets
	arn ARN
}

func (a *awsTargets) batch(arn ARN) Target {
	if name, ok := strings.CutPrefix(arn.Resource, "job-queue/"); !ok || name == "" {
		return awsBadARN(arn, "arn:aws:batch:<region>:<account>:job-queue/<name>")
	}
	return &batchTarget{a: a, arn: arn}
}

func (b *batchTarget) Invoke(ctx context.Context, inv *Invocation) error {
	in, err := b.input(inv)
	if err != nil {
		return err
	}
	c, err := awsClient(ctx, b.a, b.arn, func(cfg aws.Config, ep *string) *batch.Client {
		return batch.NewFromConfig(cfg, func(o *batch.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	_, err = c.SubmitJob(ctx, in)
	return awsError(ctx, "Batch SubmitJob", err)
}

func (b *batchTarget) input(inv *Invocation) (*batch.SubmitJobInput, error) {
	t, err := awsTargetConfig(inv)
	if err != nil {
		return nil, err
	}
	p := t.BatchParameters
	if p == nil || p.JobDefinition == nil || p.JobName == nil {
		return nil, &Error{Code: CodeInvalidParam, Message: "a Batch target needs BatchParameters.JobDefinition and BatchParameters.JobName"}
	}
	in := &batch.SubmitJobInput{
		JobQueue:      aws.String(b.arn.String()),
		JobDefinition: p.JobDefinition,
		JobName:       p.JobName,
	}
	if p.ArrayProperties != nil && p.ArrayProperties.Size != nil {
		in.ArrayProperties = &batchtypes.ArrayProperties{Size: p.ArrayProperties.Size}
	}
	if p.RetryStrategy != nil && p.RetryStrategy.Attempts != nil {
		in.RetryStrategy = &batchtypes.RetryStrategy{Attempts: p.RetryStrategy.Attempts}
	}
	if err := batchJobInput(inv.Payload, in); err != nil {
		return nil, err
	}
	return in, nil
}

// batchJobInput reads Parameters and ContainerOverrides from the target
// input. Member names match case-insensitively.
func batchJobInput(payload []byte, in *batch.SubmitJobInput) error {
	if !bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) {
		return nil
	}
	var job struct {
		Parameters         map[string]json.RawMessage
		ContainerOverrides *batchtypes.ContainerOverrides
	}
	if err := json.Unmarshal(payload, &job); err != nil {
		return &Error{Code: CodeInvalidParam, Message: "the input of a Batch target has invalid Parameters or ContainerOverrides: " + err.Error()}
	}
	for k, raw := range job.Parameters {
		v, found, err := paramText(raw)
		if err != nil {
			return &Error{Code: CodeInvalidParam, Message: "Batch job parameter " + k + ": " + err.Error()}
		}
		if !found {
			continue
		}
		if in.Parameters == nil {
			in.Parameters = map[string]string{}
		}
		in.Parameters[k] = v
	}
	in.ContainerOverrides = job.ContainerOverrides
	return nil
}

var _ Target = (*batchTarget)(nil)
