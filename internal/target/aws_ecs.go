package target

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/switchyard/switchyard/internal/catalog"
)

// ECS clusters (arn:aws:ecs:<region>:<account>:cluster/<name>) run tasks:
// RunTask on the cluster with every EcsParameters field mapped onto the
// RunTask parameter of the same name (TaskDefinitionArn → taskDefinition,
// TaskCount → count, default 1), and:
//
//   - overrides: the target input, when the target configures one (Input,
//     InputPath or InputTransformer), is the task's overrides
//     (TaskOverride: containerOverrides, cpu, memory, taskRoleArn, ...).
//     Without one "nothing from the event is passed to the target"
//     (PutTargets API reference); AWS CDK's EcsTask target sends its
//     container overrides this way, as Input {"containerOverrides": [...]}.
//   - startedBy: "events-rule/<rule name>", what tasks EventBridge starts
//     show (users select them with list-tasks --started-by
//     events-rule/<rule>).
//   - clientToken: derived from the event id, rule and target, so a
//     retry after a lost response does not start the tasks twice.
//
// A RunTask that starts no task and reports failures (no capacity, ...) is
// retried (RESOURCE_LIMIT_EXCEEDED); one that started some tasks is done.

type ecsTarget struct {
	a   *awsTargets
	arn ARN
}

func (a *awsTargets) ecs(arn ARN) Target {
	if name, ok := strings.CutPrefix(arn.Resource, "cluster/"); !ok || name == "" {
		return awsBadARN(arn, "arn:aws:ecs:<region>:<account>:cluster/<name>")
	}
	return &ecsTarget{a: a, arn: arn}
}

func (e *ecsTarget) Invoke(ctx context.Context, inv *Invocation) error {
	in, err := e.input(inv)
	if err != nil {
		return err
	}
	c, err := awsClient(ctx, e.a, e.arn, func(cfg aws.Config, ep *string) *ecs.Client {
		return ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	out, err := c.RunTask(ctx, in)
	if err != nil {
		return awsError(ctx, "ECS RunTask", err)
	}
	if len(out.Tasks) == 0 && len(out.Failures) > 0 {
		var reasons []string
		for _, f := range out.Failures {
			reasons = append(reasons, aws.ToString(f.Reason)+" "+aws.ToString(f.Detail))
		}
		return &Error{Code: codeLimitExceeded, Message: "ECS RunTask started no task: " + strings.TrimSpace(strings.Join(reasons, "; ")), Retryable: true}
	}
	return nil
}

func (e *ecsTarget) input(inv *Invocation) (*ecs.RunTaskInput, error) {
	t, err := awsTargetConfig(inv)
	if err != nil {
		return nil, err
	}
	p := t.EcsParameters
	if p == nil || p.TaskDefinitionArn == nil {
		return nil, &Error{Code: CodeInvalidParam, Message: "an ECS target needs EcsParameters.TaskDefinitionArn"}
	}
	in := &ecs.RunTaskInput{
		Cluster:         aws.String(e.arn.String()),
		TaskDefinition:  p.TaskDefinitionArn,
		Count:           aws.Int32(1),
		Group:           p.Group,
		PlatformVersion: p.PlatformVersion,
		ReferenceId:     p.ReferenceId,
		StartedBy:       aws.String("events-rule/" + ruleName(inv.RuleArn)),
		ClientToken:     aws.String(awsIdempotencyToken(inv)),
	}
	if p.TaskCount != nil {
		in.Count = p.TaskCount
	}
	if p.LaunchType != nil {
		in.LaunchType = ecstypes.LaunchType(*p.LaunchType)
	}
	if p.EnableECSManagedTags != nil {
		in.EnableECSManagedTags = *p.EnableECSManagedTags
	}
	if p.EnableExecuteCommand != nil {
		in.EnableExecuteCommand = *p.EnableExecuteCommand
	}
	if p.PropagateTags != nil {
		in.PropagateTags = ecstypes.PropagateTags(*p.PropagateTags)
	}
	if n := p.NetworkConfiguration; n != nil && n.AwsvpcConfiguration != nil {
		v := n.AwsvpcConfiguration
		in.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: v.Subnets, SecurityGroups: v.SecurityGroups,
		}}
		if v.AssignPublicIp != nil {
			in.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp = ecstypes.AssignPublicIp(*v.AssignPublicIp)
		}
	}
	for _, s := range p.CapacityProviderStrategy {
		in.CapacityProviderStrategy = append(in.CapacityProviderStrategy, ecstypes.CapacityProviderStrategyItem{
			CapacityProvider: s.CapacityProvider, Base: aws.ToInt32(s.Base), Weight: aws.ToInt32(s.Weight),
		})
	}
	for _, c := range p.PlacementConstraints {
		pc := ecstypes.PlacementConstraint{Expression: c.Expression}
		if c.Type != nil {
			pc.Type = ecstypes.PlacementConstraintType(*c.Type)
		}
		in.PlacementConstraints = append(in.PlacementConstraints, pc)
	}
	for _, s := range p.PlacementStrategy {
		ps := ecstypes.PlacementStrategy{Field: s.Field}
		if s.Type != nil {
			ps.Type = ecstypes.PlacementStrategyType(*s.Type)
		}
		in.PlacementStrategy = append(in.PlacementStrategy, ps)
	}
	for _, tag := range p.Tags {
		in.Tags = append(in.Tags, ecstypes.Tag{Key: tag.Key, Value: tag.Value})
	}
	if hasTargetInput(t) {
		o, err := ecsTaskOverride(inv.Payload)
		if err != nil {
			return nil, err
		}
		in.Overrides = o
	}
	return in, nil
}

// ecsTaskOverride reads the target input as RunTask overrides. Member names
// match case-insensitively, so both the ECS API's spelling
// (containerOverrides) and EventBridge's (ContainerOverrides) work.
func ecsTaskOverride(payload []byte) (*ecstypes.TaskOverride, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) {
		return nil, &Error{Code: codeInvalidJSON, Message: "the input of an ECS target must be a JSON object of task overrides, like {\"containerOverrides\": [...]}"}
	}
	var o ecstypes.TaskOverride
	if err := json.Unmarshal(payload, &o); err != nil {
		return nil, &Error{Code: CodeInvalidParam, Message: "the input of an ECS target is not valid task overrides: " + err.Error()}
	}
	return &o, nil
}

// awsIdempotencyToken identifies one delivery (event, rule and target) to
// services that de-duplicate requests by a client token: 64 hexadecimal
// characters.
func awsIdempotencyToken(inv *Invocation) string {
	sum := sha256.Sum256([]byte(inv.EventID + "\x00" + inv.RuleArn + "\x00" + inv.TargetID))
	return hex.EncodeToString(sum[:])
}

var _ Target = (*ecsTarget)(nil)

// ruleName is the name in a rule ARN.
func ruleName(ruleArn string) string {
	_, _, name, _ := catalog.RuleOfArn(ruleArn)
	return name
}
