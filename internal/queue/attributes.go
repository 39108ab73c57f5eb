package queue

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Queue attribute names (the model's QueueAttributeName enum).
const (
	attrAll                                   = "All"
	attrPolicy                                = "Policy"
	attrVisibilityTimeout                     = "VisibilityTimeout"
	attrMaximumMessageSize                    = "MaximumMessageSize"
	attrMessageRetentionPeriod                = "MessageRetentionPeriod"
	attrApproximateNumberOfMessages           = "ApproximateNumberOfMessages"
	attrApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible"
	attrCreatedTimestamp                      = "CreatedTimestamp"
	attrLastModifiedTimestamp                 = "LastModifiedTimestamp"
	attrQueueArn                              = "QueueArn"
	attrApproximateNumberOfMessagesDelayed    = "ApproximateNumberOfMessagesDelayed"
	attrDelaySeconds                          = "DelaySeconds"
	attrReceiveMessageWaitTimeSeconds         = "ReceiveMessageWaitTimeSeconds"
	attrRedrivePolicy                         = "RedrivePolicy"
	attrFifoQueue                             = "FifoQueue"
	attrContentBasedDeduplication             = "ContentBasedDeduplication"
	attrKmsMasterKeyId                        = "KmsMasterKeyId"
	attrKmsDataKeyReusePeriodSeconds          = "KmsDataKeyReusePeriodSeconds"
	attrDeduplicationScope                    = "DeduplicationScope"
	attrFifoThroughputLimit                   = "FifoThroughputLimit"
	attrRedriveAllowPolicy                    = "RedriveAllowPolicy"
	attrSqsManagedSseEnabled                  = "SqsManagedSseEnabled"
)

// readOnlyAttributes are computed, never stored.
var readOnlyAttributes = []string{
	attrQueueArn, attrApproximateNumberOfMessages, attrApproximateNumberOfMessagesNotVisible,
	attrApproximateNumberOfMessagesDelayed, attrCreatedTimestamp, attrLastModifiedTimestamp,
}

type attrKind int

const (
	kindInt attrKind = iota
	kindBool
	kindEnum
	kindString
	kindJSON // a JSON document checked by its own validator
)

// attrSpec describes a settable attribute.
type attrSpec struct {
	kind     attrKind
	min, max int      // kindInt
	values   []string // kindEnum
	fifoOnly bool
}

var settableAttributes = map[string]attrSpec{
	attrDelaySeconds:                  {kind: kindInt, min: 0, max: 900},
	attrMaximumMessageSize:            {kind: kindInt, min: 1024, max: 1 << 20},
	attrMessageRetentionPeriod:        {kind: kindInt, min: 60, max: 1_209_600},
	attrReceiveMessageWaitTimeSeconds: {kind: kindInt, min: 0, max: 20},
	attrVisibilityTimeout:             {kind: kindInt, min: 0, max: 43_200},
	attrKmsDataKeyReusePeriodSeconds:  {kind: kindInt, min: 60, max: 86_400},
	attrSqsManagedSseEnabled:          {kind: kindBool},
	attrKmsMasterKeyId:                {kind: kindString},
	attrPolicy:                        {kind: kindJSON},
	attrRedrivePolicy:                 {kind: kindJSON},
	attrRedriveAllowPolicy:            {kind: kindJSON},
	attrFifoQueue:                     {kind: kindBool},
	attrContentBasedDeduplication:     {kind: kindBool, fifoOnly: true},
	attrDeduplicationScope:            {kind: kindEnum, values: []string{"messageGroup", "queue"}, fifoOnly: true},
	attrFifoThroughputLimit:           {kind: kindEnum, values: []string{"perQueue", "perMessageGroupId"}, fifoOnly: true},
}

// knownAttribute reports whether name is in the QueueAttributeName enum.
func knownAttribute(name string) bool {
	if name == attrAll {
		return true
	}
	if _, ok := settableAttributes[name]; ok {
		return true
	}
	for _, n := range readOnlyAttributes {
		if n == name {
			return true
		}
	}
	return false
}

// defaultAttributes are a new standard queue's attributes.
func defaultAttributes() map[string]string {
	return map[string]string{
		attrVisibilityTimeout:             "30",
		attrMaximumMessageSize:            "1048576",
		attrMessageRetentionPeriod:        "345600",
		attrDelaySeconds:                  "0",
		attrReceiveMessageWaitTimeSeconds: "0",
		attrSqsManagedSseEnabled:          "true",
	}
}

// attrInt reads an integer attribute that validation has vouched for.
func attrInt(m map[string]string, name string) int {
	n, _ := strconv.Atoi(m[name])
	return n
}

func isFifo(m map[string]string) bool { return m[attrFifoQueue] == "true" }

// queueChecker answers questions about other queues while attributes are
// validated (whether a dead-letter target exists and is FIFO).
type queueChecker func(arn string) (exists, fifo bool)

// normalizeAttributes validates the attributes given to CreateQueue for a
// queue named name and returns them in canonical form (integers without
// leading zeros, booleans in lower case).
func normalizeAttributes(name string, given map[string]string, check queueChecker) (map[string]string, error) {
	fifoName := strings.HasSuffix(name, ".fifo")
	if v, ok := given[attrFifoQueue]; ok {
		b, valid := parseBool(v)
		switch {
		case !valid:
			return nil, errInvalidAttributeValue(attrFifoQueue, "")
		case b != fifoName:
			// SQS's answer both for FifoQueue=true without the .fifo suffix
			// and FifoQueue=false with it.
			return nil, errUnknownAttribute(attrFifoQueue)
		}
	}
	// A name ending in .fifo is only valid with FifoQueue=true.
	fifo := fifoName && isTrue(given[attrFifoQueue])
	if err := checkQueueName(name, fifo); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(given))
	for k := range given {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make(map[string]string, len(given))
	for _, k := range names {
		v := given[k]
		spec, ok := settableAttributes[k]
		if !ok || spec.fifoOnly && !fifo {
			return nil, errUnknownAttribute(k)
		}
		switch spec.kind {
		case kindInt:
			n, ok := parseUint(v)
			if !ok || n < spec.min || n > spec.max {
				return nil, errInvalidAttributeValue(k, "")
			}
			v = strconv.Itoa(n)
		case kindBool:
			b, ok := parseBool(v)
			if !ok {
				return nil, errInvalidAttributeValue(k, "")
			}
			v = strconv.FormatBool(b)
		case kindEnum:
			found := false
			for _, allowed := range spec.values {
				found = found || v == allowed
			}
			if !found {
				return nil, errInvalidAttributeValue(k, "")
			}
		case kindJSON:
			var err error
			switch k {
			case attrPolicy:
				err = checkPolicy(v)
			case attrRedrivePolicy:
				err = checkRedrivePolicy(v, fifo, check)
			case attrRedriveAllowPolicy:
				err = checkRedriveAllowPolicy(v)
			}
			if err != nil {
				return nil, err
			}
		}
		out[k] = v
	}
	if _, kms := out[attrKmsMasterKeyId]; kms && out[attrSqsManagedSseEnabled] == "true" {
		return nil, errInvalidAttributeName("You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
	}
	return out, nil
}

// effectiveAttributes fills in the defaults for a new queue.
func effectiveAttributes(name string, given map[string]string) map[string]string {
	out := defaultAttributes()
	if strings.HasSuffix(name, ".fifo") {
		out[attrFifoQueue] = "true"
		out[attrContentBasedDeduplication] = "false"
		out[attrDeduplicationScope] = "queue"
		out[attrFifoThroughputLimit] = "perQueue"
	}
	if _, kms := given[attrKmsMasterKeyId]; kms {
		out[attrSqsManagedSseEnabled] = "false"
		out[attrKmsDataKeyReusePeriodSeconds] = "300"
	}
	for k, v := range given {
		out[k] = v
	}
	return out
}

// differingAttribute returns the first (by name) given attribute whose value
// differs from the existing queue's, or "".
func differingAttribute(existing, given map[string]string) string {
	names := make([]string, 0, len(given))
	for k := range given {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if existing[k] != given[k] {
			return k
		}
	}
	return ""
}

// checkQueueName applies SQS's queue name rules: 1 to 80 characters of
// letters, digits, hyphens and underscores; a FIFO queue's name ends in
// ".fifo", which counts towards the 80.
func checkQueueName(name string, fifo bool) error {
	if name == "" {
		return errInvalidParameterValue("Queue name cannot be empty")
	}
	base := name
	if fifo {
		base = strings.TrimSuffix(name, ".fifo")
	}
	ok := len(name) <= 80 && base != ""
	for i := 0; ok && i < len(base); i++ {
		c := base[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	if !ok {
		return errInvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	return nil
}

// parseUint accepts only plain decimal digits, as SQS does for its integer
// attributes (no sign, spaces or fraction).
func parseUint(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func isTrue(s string) bool { b, ok := parseBool(s); return ok && b }

func checkPolicy(v string) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &doc); err != nil || doc == nil {
		return errInvalidAttributeValue(attrPolicy, "")
	}
	return nil
}

func checkRedrivePolicy(v string, fifo bool, check queueChecker) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &doc); err != nil || doc == nil {
		return errInvalidAttributeValue(attrRedrivePolicy, "Redrive policy is not a valid JSON map.")
	}
	invalid := func(reason string) error {
		return errInvalidParameterValue("Value %s for parameter RedrivePolicy is invalid. Reason: %s", v, reason)
	}
	for k := range doc {
		if k != "deadLetterTargetArn" && k != "maxReceiveCount" {
			return invalid("Only following attributes are supported: [maxReceiveCount, deadLetterTargetArn].")
		}
	}
	rawCount, ok := doc["maxReceiveCount"]
	if !ok {
		return invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	rawArn, ok := doc["deadLetterTargetArn"]
	if !ok {
		return invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	countText := string(bytes.Trim(rawCount, `"`))
	if n, err := strconv.Atoi(countText); err != nil || n < 1 || n > 1000 {
		return invalid("Invalid value for maxReceiveCount: " + countText + ", valid values are from 1 to 1000 both inclusive.")
	}
	var arn string
	if err := json.Unmarshal(rawArn, &arn); err != nil {
		return invalid("Invalid value for deadLetterTargetArn.")
	}
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] == "" || parts[4] == "" || parts[5] == "" {
		return invalid("Invalid value for deadLetterTargetArn.")
	}
	if parts[2] != "sqs" {
		return invalid("Only SQS queues are valid resources for deadLetterTargetArn.")
	}
	if strings.HasSuffix(parts[5], ".fifo") != fifo {
		return invalid("Dead-letter queue must be same type of queue as the source..")
	}
	if exists, _ := check(arn); !exists {
		return invalid("Dead letter target does not exist.")
	}
	return nil
}

func checkRedriveAllowPolicy(v string) error {
	unsupported := errInvalidAttributeValue(attrRedriveAllowPolicy, "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.")
	var doc struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return unsupported
	}
	invalid := func(reason string) error {
		return errInvalidParameterValue("Value %s for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the redrive allow policy. %s", v, reason)
	}
	switch doc.RedrivePermission {
	case "allowAll", "denyAll":
		if doc.SourceQueueArns != nil {
			return invalid("To specify one or more source queue ARNs, you must set redrivePermission to byQueue.")
		}
	case "byQueue":
		if len(doc.SourceQueueArns) == 0 {
			return invalid("When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values.")
		}
		if len(doc.SourceQueueArns) > 10 {
			return invalid("The maximum number of source queue ARNs you can specify is 10.")
		}
	default:
		return unsupported
	}
	return nil
}
