package topic

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/switchyard/switchyard/internal/awsapi/sns"
	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/awsquery"
)

// Handler serves Switchyard's SNS endpoints under URLPrefix
// (/_switchyard/sns/); mount it there:
//
//   - GET SimpleNotificationService-<hash>.pem: the certificate that signs
//     messages (SigningCertURL);
//   - GET confirm?TopicArn=...&Token=...: confirms a subscription, or
//     restores an unsubscribed one (SubscribeURL), answering
//     ConfirmSubscription's XML response;
//   - GET unsubscribe?SubscriptionArn=...: ends a subscription
//     (UnsubscribeURL), unless it was confirmed with
//     AuthenticateOnUnsubscribe.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, URLPrefix)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		q := r.URL.Query()
		reqID := awsproto.NewRequestID()
		switch {
		case name == s.signer.name:
			w.Header().Set("Content-Type", "application/x-x509-ca-cert")
			_, _ = w.Write(s.signer.certPEM)
		case name == "confirm":
			arn, err := s.confirm(r.Context(), q.Get("TopicArn"), q.Get("Token"), false, false)
			if err != nil {
				writeXMLError(w, err, reqID)
				return
			}
			writeXML(w, http.StatusOK, struct {
				XMLName         xml.Name `xml:"ConfirmSubscriptionResponse"`
				NS              string   `xml:"xmlns,attr"`
				SubscriptionArn string   `xml:"ConfirmSubscriptionResult>SubscriptionArn"`
				RequestID       string   `xml:"ResponseMetadata>RequestId"`
			}{NS: xmlNamespace, SubscriptionArn: arn, RequestID: reqID})
		case name == "unsubscribe":
			if err := s.unsubscribeLink(r.Context(), q.Get("SubscriptionArn"), s.baseURL(&awsproto.Request{HTTP: r})); err != nil {
				writeXMLError(w, err, reqID)
				return
			}
			writeXML(w, http.StatusOK, struct {
				XMLName   xml.Name `xml:"UnsubscribeResponse"`
				NS        string   `xml:"xmlns,attr"`
				RequestID string   `xml:"ResponseMetadata>RequestId"`
			}{NS: xmlNamespace, RequestID: reqID})
		default:
			http.NotFound(w, r)
		}
	})
}

const xmlNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

func (s *Service) unsubscribeLink(ctx context.Context, arn, base string) error {
	sc, id, err := parseSubARN(arn)
	if err != nil {
		return err
	}
	if ss := s.lookupSub(sc, id); ss != nil && ss.rec.AuthUnsub {
		return sns.ErrAuthorizationErrorException("Unsubscribe requires authentication for this subscription (AuthenticateOnUnsubscribe)")
	}
	return s.unsubscribeArn(ctx, sc, id, base)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, _ := xml.Marshal(v)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header[:len(xml.Header)-1]))
	_, _ = w.Write(b)
}

func writeXMLError(w http.ResponseWriter, err error, reqID string) {
	var e *awsproto.Error
	if !errors.As(err, &e) {
		e = awsproto.AsError(err, "InternalError")
	}
	fault := "Sender"
	if e.HTTPStatus() >= 500 {
		fault = "Receiver"
	}
	writeXML(w, e.HTTPStatus(), struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		NS        string   `xml:"xmlns,attr"`
		Type      string   `xml:"Error>Type"`
		Code      string   `xml:"Error>Code"`
		Message   string   `xml:"Error>Message"`
		RequestID string   `xml:"RequestId"`
	}{NS: xmlNamespace, Type: fault, Code: awsquery.QueryCode(e), Message: e.Message, RequestID: reqID})
}
