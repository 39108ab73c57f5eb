package target

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Systems Manager Run Command targets are documents
// (arn:aws:ssm:<region>:<account>:document/<name>; AWS-owned documents
// have no account: arn:aws:ssm:<region>::document/AWS-RunShellScript).
// EventBridge calls SendCommand with the document named by the ARN, the
// instances chosen by RunCommandParameters.RunCommandTargets (Key
// "InstanceIds" or "tag:<tag-key>", with Values), and the target input as
// the document's parameters: the PutTargets CLI example gives Input
// {"commands":["tail -n 10 /var/log/messages"]} to AWS-RunShellScript.
// Without a configured input, nothing from the event is passed ("unless
// the target is Amazon EC2 Run Command or Amazon ECS task, in which case
// nothing from the event is passed to the target"). Parameter values may
// be lists or single values; values that are not strings are sent as
// their JSON text.

type ssmTarget struct {
	a        *awsTargets
	arn      ARN
	document string
}

func (a *awsTargets) ssm(arn ARN) Target {
	doc, ok := strings.CutPrefix(arn.Resource, "document/")
	if !ok || doc == "" {
		return awsBadARN(arn, "arn:aws:ssm:<region>:<account>:document/<name> (Run Command)")
	}
	return &ssmTarget{a: a, arn: arn, document: doc}
}

func (s *ssmTarget) Invoke(ctx context.Context, inv *Invocation) error {
	in, err := s.input(inv)
	if err != nil {
		return err
	}
	c, err := awsClient(ctx, s.a, s.arn, func(cfg aws.Config, ep *string) *ssm.Client {
		return ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	_, err = c.SendCommand(ctx, in)
	return awsError(ctx, "SSM SendCommand", err)
}

func (s *ssmTarget) input(inv *Invocation) (*ssm.SendCommandInput, error) {
	t, err := awsTargetConfig(inv)
	if err != nil {
		return nil, err
	}
	in := &ssm.SendCommandInput{DocumentName: aws.String(s.document)}
	if p := t.RunCommandParameters; p != nil {
		for _, rt := range p.RunCommandTargets {
			in.Targets = append(in.Targets, ssmtypes.Target{Key: rt.Key, Values: rt.Values})
		}
	}
	if len(in.Targets) == 0 {
		return nil, &Error{Code: CodeInvalidParam, Message: "a Run Command target needs RunCommandParameters.RunCommandTargets"}
	}
	if hasTargetInput(t) {
		params, err := ssmDocumentParameters(inv.Payload)
		if err != nil {
			return nil, err
		}
		in.Parameters = params
	}
	return in, nil
}

// ssmDocumentParameters reads the target input as SendCommand parameters.
func ssmDocumentParameters(payload []byte) (map[string][]string, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) {
		return nil, &Error{Code: codeInvalidJSON, Message: "the input of a Run Command target must be a JSON object of document parameters, like {\"commands\": [\"...\"]}"}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, &Error{Code: codeInvalidJSON, Message: "the input of a Run Command target is not a JSON object: " + err.Error()}
	}
	params := make(map[string][]string, len(raw))
	for k, v := range raw {
		var list []json.RawMessage
		if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) && json.Unmarshal(v, &list) == nil {
			vals := make([]string, 0, len(list))
			for _, item := range list {
				s, _, err := paramText(item)
				if err != nil {
					return nil, &Error{Code: CodeInvalidParam, Message: "document parameter " + k + ": " + err.Error()}
				}
				vals = append(vals, s)
			}
			params[k] = vals
			continue
		}
		s, found, err := paramText(v)
		if err != nil {
			return nil, &Error{Code: CodeInvalidParam, Message: "document parameter " + k + ": " + err.Error()}
		}
		if found {
			params[k] = []string{s}
		}
	}
	return params, nil
}

var _ Target = (*ssmTarget)(nil)
