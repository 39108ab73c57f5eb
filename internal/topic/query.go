package topic

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/awsquery"
)

// snsQueryVersion is the Version parameter of SNS requests.
const snsQueryVersion = "2010-03-31"

var queryModel = sync.OnceValue(func() *awsquery.Model {
	m := awsquery.MustLoadModel([]byte(sns.QueryModel))
	m.InvalidParameter = func(param, value, reason string) *awsproto.Error {
		return sns.ErrInvalidParameterException("Invalid parameter: %s Reason: %s", param, reason)
	}
	m.MissingParameter = func(param string) *awsproto.Error {
		return sns.ErrInvalidParameterException("Invalid parameter: %s Reason: no value for required parameter", param)
	}
	return m
})

// QueryService returns SNS over the awsQuery protocol, to register on an
// awsproto.Mux (HandleQuery): form POSTs to "/" whose Version is
// 2010-03-31, or that have no Version and an SNS Action. The operations are
// Operations(); the model's other operations answer InvalidParameter
// ("... is not supported by Switchyard's built-in topic service").
func (s *Service) QueryService() awsproto.QueryService {
	svc := awsquery.NewService(queryModel(), acceptsQuery, s.Operations(), "InternalError")
	svc.NotImplemented = errNotImplemented
	svc.Log = s.log
	return svc
}

// errNotImplemented answers the model's operations Switchyard does not
// implement.
func errNotImplemented(op string) *awsproto.Error {
	return sns.ErrInvalidParameterException("Invalid parameter: %s is not supported by Switchyard's built-in topic service", op)
}

func acceptsQuery(r *http.Request, form url.Values) bool {
	if strings.Trim(r.URL.Path, "/") != "" {
		return false
	}
	if v := form.Get("Version"); v != "" {
		return v == snsQueryVersion
	}
	return queryModel().HasOperation(form.Get("Action"))
}
