package target

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Step Functions state machines
// (arn:aws:states:<region>:<account>:stateMachine:<name>, with an
// optional :<version> or :<alias>) receive StartExecution with the target
// input as the execution input, started under the ARN as given. The
// execution is named with the event id, as EventBridge names the
// executions it starts (LocalStack matched this against AWS, PR #11427
// "the execution name of the machine uses the event ID as it happens in
// AWS"). That also makes a retry after a lost response harmless: Step
// Functions answers a repeated StartExecution of a running execution with
// the same name and input with success. An execution of that name that
// already exists with another input, or has ended, fails with
// ExecutionAlreadyExists (RESOURCE_ALREADY_EXISTS), not retried.

type sfnTarget struct {
	a   *awsTargets
	arn ARN
}

func (a *awsTargets) states(arn ARN) Target {
	if name, ok := strings.CutPrefix(arn.Resource, "stateMachine:"); !ok || name == "" {
		return awsBadARN(arn, "arn:aws:states:<region>:<account>:stateMachine:<name>")
	}
	return &sfnTarget{a: a, arn: arn}
}

func (s *sfnTarget) Invoke(ctx context.Context, inv *Invocation) error {
	c, err := awsClient(ctx, s.a, s.arn, func(cfg aws.Config, ep *string) *sfn.Client {
		return sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	_, err = c.StartExecution(ctx, s.input(inv))
	return awsError(ctx, "Step Functions StartExecution", err)
}

func (s *sfnTarget) input(inv *Invocation) *sfn.StartExecutionInput {
	in := &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.arn.String()),
		Input:           aws.String(string(inv.Payload)),
	}
	if inv.EventID != "" {
		in.Name = aws.String(inv.EventID)
	}
	return in
}

var _ Target = (*sfnTarget)(nil)
