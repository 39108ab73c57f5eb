package target

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
)

// Redshift targets run SQL through the Redshift Data API. The target is a
// provisioned cluster (arn:aws:redshift:<region>:<account>:cluster:<name>,
// sent as ClusterIdentifier) or a Serverless workgroup
// (arn:aws:redshift-serverless:<region>:<account>:workgroup/<id>, sent as
// WorkgroupName, which takes the ARN). RedshiftDataParameters map onto
// ExecuteStatement (Sql) or, for Sqls, BatchExecuteStatement (run as one
// transaction): Database, DbUser, SecretManagerArn → SecretArn,
// StatementName and WithEvent. Each string may be a dynamic JSON path
// into the event ("RedshiftParameters.Sql can be $.detail.state", user
// guide, "Dynamic path parameters"). The target input is not used. The
// client token is derived from the event id, rule and target, so a retry
// after a lost response does not run the statement twice.

type redshiftTarget struct {
	a   *awsTargets
	arn ARN
}

func (a *awsTargets) redshift(arn ARN) Target {
	switch arn.Service {
	case "redshift":
		if name, ok := strings.CutPrefix(arn.Resource, "cluster:"); ok && name != "" {
			return &redshiftTarget{a: a, arn: arn}
		}
	case "redshift-serverless":
		if id, ok := strings.CutPrefix(arn.Resource, "workgroup/"); ok && id != "" {
			return &redshiftTarget{a: a, arn: arn}
		}
	}
	return awsBadARN(arn, "arn:aws:redshift:<region>:<account>:cluster:<name> or arn:aws:redshift-serverless:<region>:<account>:workgroup/<id>")
}

func (r *redshiftTarget) Invoke(ctx context.Context, inv *Invocation) error {
	in, batch, err := r.input(inv)
	if err != nil {
		return err
	}
	c, err := awsClient(ctx, r.a, r.arn, func(cfg aws.Config, ep *string) *redshiftdata.Client {
		return redshiftdata.NewFromConfig(cfg, func(o *redshiftdata.Options) { o.BaseEndpoint = ep })
	})
	if err != nil {
		return err
	}
	if batch != nil {
		_, err = c.BatchExecuteStatement(ctx, batch)
		return awsError(ctx, "Redshift Data BatchExecuteStatement", err)
	}
	_, err = c.ExecuteStatement(ctx, in)
	return awsError(ctx, "Redshift Data ExecuteStatement", err)
}

// input returns the ExecuteStatement call, or the BatchExecuteStatement
// call when the target has Sqls.
func (r *redshiftTarget) input(inv *Invocation) (*redshiftdata.ExecuteStatementInput, *redshiftdata.BatchExecuteStatementInput, error) {
	t, err := awsTargetConfig(inv)
	if err != nil {
		return nil, nil, err
	}
	p := t.RedshiftDataParameters
	if p == nil || (p.Sql == nil && len(p.Sqls) == 0) {
		return nil, nil, &Error{Code: CodeInvalidParam, Message: "a Redshift target needs RedshiftDataParameters with Sql or Sqls"}
	}
	paths, ev := &r.a.paths, inv.Event
	var cluster, workgroup *string
	if r.arn.Service == "redshift" {
		cluster = aws.String(strings.TrimPrefix(r.arn.Resource, "cluster:"))
	} else {
		workgroup = aws.String(r.arn.String())
	}
	token := aws.String(awsIdempotencyToken(inv))
	if len(p.Sqls) > 0 {
		sqls := make([]string, len(p.Sqls))
		for i, s := range p.Sqls {
			sqls[i] = paths.dynamic(ev, s)
		}
		return nil, &redshiftdata.BatchExecuteStatementInput{
			Sqls: sqls, ClusterIdentifier: cluster, WorkgroupName: workgroup,
			Database: paths.dynamicPtr(ev, p.Database), DbUser: paths.dynamicPtr(ev, p.DbUser),
			SecretArn: paths.dynamicPtr(ev, p.SecretManagerArn), StatementName: paths.dynamicPtr(ev, p.StatementName),
			WithEvent: p.WithEvent, ClientToken: token,
		}, nil
	}
	return &redshiftdata.ExecuteStatementInput{
		Sql: paths.dynamicPtr(ev, p.Sql), ClusterIdentifier: cluster, WorkgroupName: workgroup,
		Database: paths.dynamicPtr(ev, p.Database), DbUser: paths.dynamicPtr(ev, p.DbUser),
		SecretArn: paths.dynamicPtr(ev, p.SecretManagerArn), StatementName: paths.dynamicPtr(ev, p.StatementName),
		WithEvent: p.WithEvent, ClientToken: token,
	}, nil, nil
}

var _ Target = (*redshiftTarget)(nil)
