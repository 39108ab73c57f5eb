package queue

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/switchyard/switchyard/internal/awsapi/sqs"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/awsquery"
)

// sqsQueryVersion is the Version parameter of SQS's awsQuery requests.
const sqsQueryVersion = "2012-11-05"

// queryModel is SQS's awsQuery model (the one botocore 1.29 and other older
// SDKs use), generated into the awsapi/sqs package.
var queryModel = sync.OnceValue(func() *awsquery.Model {
	return awsquery.MustLoadModel([]byte(sqs.QueryModel))
})

// QueryService returns SQS over the awsQuery protocol (form-encoded POSTs,
// XML responses), as older SDKs speak it (botocore before 1.31, Debian's
// python3-boto3 and awscli 2.9, the AWS SDK for Java 1.x...), to register on
// an awsproto.Mux next to JSONService. It answers form requests whose
// Version is 2012-11-05, or that have no Version and an SQS Action, posted
// to "/" or to a queue URL's path (/<account>/<name>); on a queue URL's path
// the path names the queue when the form has no QueueUrl, as SQS does. The
// same handlers as JSONService's serve it, so validation, MD5 digests and
// attributes are the same; errors carry their awsQuery codes
// (AWS.SimpleQueueService.NonExistentQueue, InvalidParameterValue, ...), and
// a missing queue is "The specified queue does not exist for this wsdl
// version.", as SQS words it in this protocol.
func (s *Service) QueryService() awsproto.QueryService {
	m := queryModel()
	ops := map[string]awsproto.Operation{}
	for name, op := range s.JSONService().Operations {
		if m.HasOperation(name) {
			ops[name] = queryOp(m, name, op)
		}
	}
	svc := awsquery.NewService(m, acceptsQuery, ops, "InternalError")
	svc.NotImplemented = func(op string) *awsproto.Error { return errUnsupportedOperation(op) }
	svc.Log = s.log
	return svc
}

// acceptsQuery recognises SQS's awsQuery requests.
func acceptsQuery(r *http.Request, form url.Values) bool {
	if _, _, ok := queuePath(r.URL.Path); !ok && strings.Trim(r.URL.Path, "/") != "" {
		return false
	}
	if v := form.Get("Version"); v != "" {
		return v == sqsQueryVersion
	}
	return queryModel().HasOperation(form.Get("Action"))
}

// queuePath reads /<account>/<name> from a request path.
func queuePath(p string) (account, name string, ok bool) {
	segments := strings.Split(strings.Trim(p, "/"), "/")
	if len(segments) != 2 || segments[0] == "" || segments[1] == "" {
		return "", "", false
	}
	for i := 0; i < len(segments[0]); i++ {
		if segments[0][i] < '0' || segments[0][i] > '9' {
			return "", "", false
		}
	}
	return segments[0], segments[1], true
}

// queryOp adapts a JSONService handler to the awsQuery service: it fills in
// QueueUrl from the request path when the form has none and the request
// was posted to a queue URL, and words errors as SQS does in this protocol.
func queryOp(m *awsquery.Model, name string, op awsproto.Operation) awsproto.Operation {
	hasURL := m.HasInputMember(name, "QueueUrl")
	return func(ctx context.Context, r *awsproto.Request) (any, error) {
		if _, given := r.Form["QueueUrl"]; hasURL && !given && r.HTTP != nil {
			if account, qname, ok := queuePath(r.HTTP.URL.Path); ok {
				var doc map[string]json.RawMessage
				if err := json.Unmarshal(r.Body, &doc); err == nil {
					u, _ := json.Marshal(queueURL(r.HTTP, account, qname))
					doc["QueueUrl"] = u
					if body, err := json.Marshal(doc); err == nil {
						r.Body = body
					}
				}
			}
		}
		resp, err := op(ctx, r)
		var e *awsproto.Error
		if errors.As(err, &e) && e.QueryCode == errQueueDoesNotExist().QueryCode {
			// SQS's awsQuery wording (its awsJson one drops the WSDL).
			q := *e
			q.Message = "The specified queue does not exist for this wsdl version."
			return nil, &q
		}
		return resp, err
	}
}
