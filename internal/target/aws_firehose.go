package target

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

// Firehose delivery streams
// (arn:aws:firehose:<region>:<account>:deliverystream/<name>) receive
// PutRecord with the target input as the record's Data, as it is: no
// delimiter is added between records (add one with an input transformer
// if the destination needs it).

type firehoseTarget struct {
	a    *awsTargets
	arn  ARN
	name string
}

func (a *awsTargets) firehose(arn ARN) Target {
	name, ok := strings.CutPrefix(arn.Resource, "deliverystream/")
	if !ok || name == "" {
		return awsBadARN(arn, "arn:aws:firehose:<region>:<account>:deliverystream/<name>")
	}
	return &firehoseTarget{a: a, arn: arn, name: name}
}

func (f *firehoseTarget) Invoke(ctx context.Context, inv *Invocation) error {
	c, err := awsClient(ctx, f.a, f.arn, func(cfg aws.Config, ep *string) *firehose.Client {
		return firehose.NewFromConfig(cfg, func(o *firehose.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	_, err = c.PutRecord(ctx, f.input(inv))
	return awsError(ctx, "Firehose PutRecord", err)
}

func (f *firehoseTarget) input(inv *Invocation) *firehose.PutRecordInput {
	return &firehose.PutRecordInput{
		DeliveryStreamName: aws.String(f.name),
		Record:             &types.Record{Data: inv.Payload},
	}
}

var _ Target = (*firehoseTarget)(nil)
