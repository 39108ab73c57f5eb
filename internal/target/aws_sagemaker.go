package target

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
)

// SageMaker pipelines (arn:aws:sagemaker:<region>:<account>:pipeline/<name>)
// receive StartPipelineExecution of the named pipeline with
// SageMakerPipelineParameters.PipelineParameterList as the pipeline
// parameters; a value may be a dynamic JSON path into the event (user
// guide: "To pass data to an SageMaker pipeline, you can use the
// SageMakerPipelineParameters field, including optional dynamic JSON path
// syntax"). The target input is not used. The client request token is
// derived from the event id, rule and target, so a retry after a lost
// response does not start a second execution.

type sagemakerTarget struct {
	a        *awsTargets
	arn      ARN
	pipeline string
}

func (a *awsTargets) sagemaker(arn ARN) Target {
	name, ok := strings.CutPrefix(arn.Resource, "pipeline/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return awsBadARN(arn, "arn:aws:sagemaker:<region>:<account>:pipeline/<name>")
	}
	return &sagemakerTarget{a: a, arn: arn, pipeline: name}
}

func (s *sagemakerTarget) Invoke(ctx context.Context, inv *Invocation) error {
	in, err := s.input(inv)
	if err != nil {
		return err
	}
	c, err := awsClient(ctx, s.a, s.arn, func(cfg aws.Config, ep *string) *sagemaker.Client {
		return sagemaker.NewFromConfig(cfg, func(o *sagemaker.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	_, err = c.StartPipelineExecution(ctx, in)
	return awsError(ctx, "SageMaker StartPipelineExecution", err)
}

func (s *sagemakerTarget) input(inv *Invocation) (*sagemaker.StartPipelineExecutionInput, error) {
	t, err := awsTargetConfig(inv)
	if err != nil {
		return nil, err
	}
	in := &sagemaker.StartPipelineExecutionInput{
		PipelineName:       aws.String(s.pipeline),
		ClientRequestToken: aws.String(awsIdempotencyToken(inv)),
	}
	if p := t.SageMakerPipelineParameters; p != nil {
		for _, pp := range p.PipelineParameterList {
			in.PipelineParameters = append(in.PipelineParameters, smtypes.Parameter{
				Name:  pp.Name,
				Value: s.a.paths.dynamicPtr(inv.Event, pp.Value),
			})
		}
	}
	return in, nil
}

var _ Target = (*sagemakerTarget)(nil)
