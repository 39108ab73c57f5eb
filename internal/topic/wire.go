package topic

// Request and response shapes of the SNS operations, with the member names
// of the SNS model (sns-2010-03-31) as JSON keys: the JSON document
// internal/awsquery decodes an awsQuery form into, and renders a response
// from. Optional members the handlers must tell apart from empty values are
// pointers.

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type createTopicRequest struct {
	Name                 *string           `json:"Name"`
	Attributes           map[string]string `json:"Attributes"`
	Tags                 []tag             `json:"Tags"`
	DataProtectionPolicy *string           `json:"DataProtectionPolicy"`
}

type createTopicResponse struct {
	TopicArn string `json:"TopicArn"`
}

type topicArnRequest struct {
	TopicArn *string `json:"TopicArn"`
}

type listTopicsRequest struct {
	NextToken *string `json:"NextToken"`
}

type topicEntry struct {
	TopicArn string `json:"TopicArn"`
}

type listTopicsResponse struct {
	Topics    []topicEntry `json:"Topics"`
	NextToken string       `json:"NextToken,omitempty"`
}

type attributesResponse struct {
	Attributes map[string]string `json:"Attributes"`
}

type setTopicAttributesRequest struct {
	TopicArn       *string `json:"TopicArn"`
	AttributeName  *string `json:"AttributeName"`
	AttributeValue *string `json:"AttributeValue"`
}

type subscribeRequest struct {
	TopicArn              *string           `json:"TopicArn"`
	Protocol              *string           `json:"Protocol"`
	Endpoint              *string           `json:"Endpoint"`
	Attributes            map[string]string `json:"Attributes"`
	ReturnSubscriptionArn bool              `json:"ReturnSubscriptionArn"`
}

type subscriptionArnResponse struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

type confirmSubscriptionRequest struct {
	TopicArn                  *string `json:"TopicArn"`
	Token                     *string `json:"Token"`
	AuthenticateOnUnsubscribe *string `json:"AuthenticateOnUnsubscribe"`
}

type subscriptionArnRequest struct {
	SubscriptionArn *string `json:"SubscriptionArn"`
}

type listSubscriptionsRequest struct {
	TopicArn  *string `json:"TopicArn"`
	NextToken *string `json:"NextToken"`
}

type subscriptionEntry struct {
	SubscriptionArn string `json:"SubscriptionArn"`
	Owner           string `json:"Owner"`
	Protocol        string `json:"Protocol"`
	Endpoint        string `json:"Endpoint"`
	TopicArn        string `json:"TopicArn"`
}

type listSubscriptionsResponse struct {
	Subscriptions []subscriptionEntry `json:"Subscriptions"`
	NextToken     string              `json:"NextToken,omitempty"`
}

type setSubscriptionAttributesRequest struct {
	SubscriptionArn *string `json:"SubscriptionArn"`
	AttributeName   *string `json:"AttributeName"`
	AttributeValue  *string `json:"AttributeValue"`
}

// messageAttributeValue is SNS's MessageAttributeValue (BinaryValue travels
// base64-encoded in the JSON document).
type messageAttributeValue struct {
	DataType    *string `json:"DataType"`
	StringValue *string `json:"StringValue"`
	BinaryValue []byte  `json:"BinaryValue"`
}

type publishRequest struct {
	TopicArn               *string                          `json:"TopicArn"`
	TargetArn              *string                          `json:"TargetArn"`
	PhoneNumber            *string                          `json:"PhoneNumber"`
	Message                *string                          `json:"Message"`
	Subject                *string                          `json:"Subject"`
	MessageStructure       *string                          `json:"MessageStructure"`
	MessageAttributes      map[string]messageAttributeValue `json:"MessageAttributes"`
	MessageDeduplicationId *string                          `json:"MessageDeduplicationId"`
	MessageGroupId         *string                          `json:"MessageGroupId"`
}

type publishResponse struct {
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber,omitempty"`
}

type publishBatchEntry struct {
	Id                     *string                          `json:"Id"`
	Message                *string                          `json:"Message"`
	Subject                *string                          `json:"Subject"`
	MessageStructure       *string                          `json:"MessageStructure"`
	MessageAttributes      map[string]messageAttributeValue `json:"MessageAttributes"`
	MessageDeduplicationId *string                          `json:"MessageDeduplicationId"`
	MessageGroupId         *string                          `json:"MessageGroupId"`
}

type publishBatchRequest struct {
	TopicArn                   *string             `json:"TopicArn"`
	PublishBatchRequestEntries []publishBatchEntry `json:"PublishBatchRequestEntries"`
}

type publishBatchResultEntry struct {
	Id             string `json:"Id"`
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber,omitempty"`
}

type batchResultErrorEntry struct {
	Id          string `json:"Id"`
	Code        string `json:"Code"`
	Message     string `json:"Message,omitempty"`
	SenderFault bool   `json:"SenderFault"`
}

type publishBatchResponse struct {
	Successful []publishBatchResultEntry `json:"Successful"`
	Failed     []batchResultErrorEntry   `json:"Failed"`
}

type tagResourceRequest struct {
	ResourceArn *string `json:"ResourceArn"`
	Tags        []tag   `json:"Tags"`
}

type untagResourceRequest struct {
	ResourceArn *string  `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

type resourceArnRequest struct {
	ResourceArn *string `json:"ResourceArn"`
}

type listTagsResponse struct {
	Tags []tag `json:"Tags"`
}

type emptyResponse struct{}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
