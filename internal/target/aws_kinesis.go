package target

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// Kinesis data streams (arn:aws:kinesis:<region>:<account>:stream/<name>)
// receive PutRecord with the target input as Data. The partition key is
// KinesisParameters.PartitionKeyPath evaluated on the event ("a JSON path
// to extract from the event and use as the partition key ... If you do
// not include this parameter, the default is to use the eventId as the
// partition key", API reference, KinesisParameters). A path that selects
// nothing (or null, or an empty string) also falls back to the event id;
// a value that is not a string is used as its JSON text.

// maxPartitionKey is Kinesis's limit on partition keys, in Unicode
// characters.
const maxPartitionKey = 256

type kinesisTarget struct {
	a    *awsTargets
	arn  ARN
	name string
}

func (a *awsTargets) kinesis(arn ARN) Target {
	name, ok := strings.CutPrefix(arn.Resource, "stream/")
	if !ok || name == "" {
		return awsBadARN(arn, "arn:aws:kinesis:<region>:<account>:stream/<name>")
	}
	return &kinesisTarget{a: a, arn: arn, name: name}
}

func (k *kinesisTarget) Invoke(ctx context.Context, inv *Invocation) error {
	in, err := k.input(inv)
	if err != nil {
		return err
	}
	c, err := awsClient(ctx, k.a, k.arn, func(cfg aws.Config, ep *string) *kinesis.Client {
		return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	_, err = c.PutRecord(ctx, in)
	return awsError(ctx, "Kinesis PutRecord", err)
}

func (k *kinesisTarget) input(inv *Invocation) (*kinesis.PutRecordInput, error) {
	t, err := awsTargetConfig(inv)
	if err != nil {
		return nil, err
	}
	path := ""
	if t.KinesisParameters != nil && t.KinesisParameters.PartitionKeyPath != nil {
		path = *t.KinesisParameters.PartitionKeyPath
	}
	key, err := kinesisPartitionKey(&k.a.paths, path, inv.Event, inv.EventID)
	if err != nil {
		return nil, err
	}
	return &kinesis.PutRecordInput{
		StreamName:   aws.String(k.name),
		Data:         inv.Payload,
		PartitionKey: aws.String(key),
	}, nil
}

// kinesisPartitionKey extracts the partition key at path from the event, or
// returns the event id.
func kinesisPartitionKey(paths *jsonPaths, path string, event []byte, eventID string) (string, error) {
	if path == "" {
		return eventID, nil
	}
	v, found, err := paths.lookup(event, path)
	if err != nil {
		return "", &Error{Code: CodeInvalidParam, Message: fmt.Sprintf("KinesisParameters.PartitionKeyPath %q: %v", path, err)}
	}
	if !found || v == "" {
		return eventID, nil
	}
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	if n := utf8.RuneCountInString(v); n > maxPartitionKey {
		return "", &Error{Code: CodeInvalidParam, Message: fmt.Sprintf("KinesisParameters.PartitionKeyPath %q selects a value of %d characters; a Kinesis partition key has at most %d", path, n, maxPartitionKey)}
	}
	return v, nil
}

var _ Target = (*kinesisTarget)(nil)
