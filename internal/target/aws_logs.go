package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// CloudWatch Logs log groups (arn:aws:logs:<region>:<account>:log-group:<name>,
// with or without a trailing :*) receive each event as one log event in a
// log stream of its own, named with the event id, as EventBridge writes
// them (one stream per event, named by the event's id; LocalStack's
// implementation also opens a new stream per event). The stream is
// created first (an existing one, from an earlier attempt, is reused),
// then PutLogEvents writes:
//
//   - by default, the target input (the event JSON) as the message, with
//     the event's time as the timestamp;
//   - for an input of the form {"timestamp": <time>, "message": <text>},
//     the form the CloudWatch Logs target takes for input transformers
//     (AWS CDK's LogGroupTargetInput, whose validation cites PutTargets:
//     "CloudWatchLogs target only supports a template with the format of
//     {"timestamp": <time>, "message": <message>}"), that message and
//     timestamp (RFC 3339 text or milliseconds since the epoch).

type logsTarget struct {
	a     *awsTargets
	arn   ARN
	group string
}

func (a *awsTargets) logs(arn ARN) Target {
	group, ok := strings.CutPrefix(arn.Resource, "log-group:")
	group = strings.TrimSuffix(group, ":*")
	if !ok || group == "" {
		return awsBadARN(arn, "arn:aws:logs:<region>:<account>:log-group:<name>")
	}
	return &logsTarget{a: a, arn: arn, group: group}
}

func (l *logsTarget) Invoke(ctx context.Context, inv *Invocation) error {
	c, err := awsClient(ctx, l.a, l.arn, func(cfg aws.Config, ep *string) *cloudwatchlogs.Client {
		return cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	put := l.input(inv)
	_, err = c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: put.LogGroupName, LogStreamName: put.LogStreamName})
	var exists *types.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return awsError(ctx, "CloudWatch Logs CreateLogStream", err)
	}
	out, err := c.PutLogEvents(ctx, put)
	if err != nil {
		return awsError(ctx, "CloudWatch Logs PutLogEvents", err)
	}
	if r := out.RejectedLogEventsInfo; r != nil {
		why := "rejected"
		switch {
		case r.TooOldLogEventEndIndex != nil:
			why = "older than the log group's retention or 14 days"
		case r.TooNewLogEventStartIndex != nil:
			why = "more than 2 hours in the future"
		case r.ExpiredLogEventEndIndex != nil:
			why = "expired"
		}
		return &Error{Code: CodeInvalidParam, Message: "CloudWatch Logs PutLogEvents rejected the log event: its timestamp is " + why}
	}
	return nil
}

// input builds the PutLogEvents call for an invocation.
func (l *logsTarget) input(inv *Invocation) *cloudwatchlogs.PutLogEventsInput {
	stream := inv.EventID
	if stream == "" {
		stream = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	msg, ts := logEventOf(inv.Payload, inv.Event, time.Now())
	return &cloudwatchlogs.PutLogEventsInput{
		LogGroupName:  aws.String(l.group),
		LogStreamName: aws.String(stream),
		LogEvents:     []types.InputLogEvent{{Message: aws.String(msg), Timestamp: aws.Int64(ts.UnixMilli())}},
	}
}

// logEventOf returns the message and timestamp of the log event for a
// payload.
func logEventOf(payload, event []byte, now time.Time) (string, time.Time) {
	var form map[string]json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) && json.Unmarshal(payload, &form) == nil && len(form) == 2 {
		m, okm := form["message"]
		t, okt := form["timestamp"]
		if okm && okt {
			msg, _, err := paramText(m)
			if err == nil {
				return msg, parseLogTime(t, eventTimeOf(event, now))
			}
		}
	}
	return string(payload), eventTimeOf(event, now)
}

// eventTimeOf is the event's "time", or now.
func eventTimeOf(event []byte, now time.Time) time.Time {
	var e struct {
		Time string `json:"time"`
	}
	if json.Unmarshal(event, &e) == nil {
		if t, err := time.Parse(time.RFC3339Nano, e.Time); err == nil {
			return t
		}
	}
	return now
}

// parseLogTime reads a timestamp given as RFC 3339 text or epoch
// milliseconds.
func parseLogTime(v json.RawMessage, fallback time.Time) time.Time {
	s, found, err := paramText(v)
	if err != nil || !found {
		return fallback
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.UnixMilli(int64(f))
	}
	return fallback
}

var _ Target = (*logsTarget)(nil)
