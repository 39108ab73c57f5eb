package queue

// Request and response shapes of the SQS API (awsJson1.0), with member names
// exactly as in the service model (aws-models/sqs-2012-11-05.json). They are
// unexported stand-ins for the generated internal/awsapi/sqs types: when that
// package exists, the handlers can switch to it shape by shape. The model's
// "Message" shape is wireMessage here, because Message is this package's Go
// API for other packages.

type createQueueRequest struct {
	QueueName  *string           `json:"QueueName"`
	Attributes map[string]string `json:"Attributes,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
}

func (r *createQueueRequest) validate() error {
	if r.QueueName == nil {
		return errInvalidParameterValue("Value for parameter QueueName is invalid. Reason: Must specify a queue name.")
	}
	return nil
}

type createQueueResult struct {
	QueueUrl string `json:"QueueUrl"`
}

type getQueueUrlRequest struct {
	QueueName              *string `json:"QueueName"`
	QueueOwnerAWSAccountId string  `json:"QueueOwnerAWSAccountId,omitempty"`
}

func (r *getQueueUrlRequest) validate() error {
	if r.QueueName == nil || *r.QueueName == "" {
		return errInvalidParameterValue("Value for parameter QueueName is invalid. Reason: Must specify a queue name.")
	}
	return nil
}

type getQueueUrlResult struct {
	QueueUrl string `json:"QueueUrl"`
}

type listQueuesRequest struct {
	QueueNamePrefix string `json:"QueueNamePrefix,omitempty"`
	NextToken       string `json:"NextToken,omitempty"`
	MaxResults      *int32 `json:"MaxResults,omitempty"`
}

type listQueuesResult struct {
	QueueUrls []string `json:"QueueUrls,omitempty"`
	NextToken string   `json:"NextToken,omitempty"`
}

// queueURLRequest is every request whose only required member is QueueUrl
// (DeleteQueueRequest, PurgeQueueRequest).
type queueURLRequest struct {
	QueueUrl string `json:"QueueUrl"`
}

func (r *queueURLRequest) validate() error { return requireQueueURL(r.QueueUrl) }

// requireQueueURL checks that a request has its QueueUrl and then its
// other required members, in order: MissingParameter names the first one
// absent.
func requireQueueURL(u string, members ...required) error {
	if u == "" {
		return errMissingParameter("QueueUrl")
	}
	for _, m := range members {
		if !m.present {
			return errMissingParameter(m.name)
		}
	}
	return nil
}

// required is a required member of a request: its name, and whether the
// request has it.
type required struct {
	name    string
	present bool
}

type getQueueAttributesRequest struct {
	QueueUrl       string   `json:"QueueUrl"`
	AttributeNames []string `json:"AttributeNames,omitempty"`
}

func (r *getQueueAttributesRequest) validate() error { return requireQueueURL(r.QueueUrl) }

type getQueueAttributesResult struct {
	Attributes map[string]string `json:"Attributes"`
}

// messageAttributeValue is the model's MessageAttributeValue (and, with the
// same members, MessageSystemAttributeValue).
type messageAttributeValue struct {
	StringValue      string   `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
	DataType         string   `json:"DataType"`
}

type sendMessageRequest struct {
	QueueUrl                string                           `json:"QueueUrl"`
	MessageBody             string                           `json:"MessageBody"`
	DelaySeconds            *int32                           `json:"DelaySeconds,omitempty"`
	MessageAttributes       map[string]messageAttributeValue `json:"MessageAttributes,omitempty"`
	MessageSystemAttributes map[string]messageAttributeValue `json:"MessageSystemAttributes,omitempty"`
	MessageDeduplicationId  string                           `json:"MessageDeduplicationId,omitempty"`
	MessageGroupId          string                           `json:"MessageGroupId,omitempty"`
}

func (r *sendMessageRequest) validate() error {
	return requireQueueURL(r.QueueUrl, required{"MessageBody", r.MessageBody != ""})
}

type sendMessageResult struct {
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	MessageId                    string `json:"MessageId"`
	SequenceNumber               string `json:"SequenceNumber,omitempty"`
}

type receiveMessageRequest struct {
	QueueUrl                    string   `json:"QueueUrl"`
	AttributeNames              []string `json:"AttributeNames,omitempty"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames,omitempty"`
	MessageAttributeNames       []string `json:"MessageAttributeNames,omitempty"`
	MaxNumberOfMessages         *int32   `json:"MaxNumberOfMessages,omitempty"`
	VisibilityTimeout           *int32   `json:"VisibilityTimeout,omitempty"`
	WaitTimeSeconds             *int32   `json:"WaitTimeSeconds,omitempty"`
	ReceiveRequestAttemptId     string   `json:"ReceiveRequestAttemptId,omitempty"`
}

func (r *receiveMessageRequest) validate() error { return requireQueueURL(r.QueueUrl) }

type receiveMessageResult struct {
	// Messages is always present (an empty list when nothing was received),
	// as SQS sends it.
	Messages []wireMessage `json:"Messages"`
}

type wireMessage struct {
	MessageId              string                           `json:"MessageId"`
	ReceiptHandle          string                           `json:"ReceiptHandle"`
	MD5OfBody              string                           `json:"MD5OfBody"`
	Body                   string                           `json:"Body"`
	Attributes             map[string]string                `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string                           `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]messageAttributeValue `json:"MessageAttributes,omitempty"`
}

type deleteMessageRequest struct {
	QueueUrl      string `json:"QueueUrl"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

func (r *deleteMessageRequest) validate() error {
	return requireQueueURL(r.QueueUrl, required{"ReceiptHandle", r.ReceiptHandle != ""})
}

type changeMessageVisibilityRequest struct {
	QueueUrl          string `json:"QueueUrl"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout"`
}

func (r *changeMessageVisibilityRequest) validate() error {
	return requireQueueURL(r.QueueUrl,
		required{"ReceiptHandle", r.ReceiptHandle != ""},
		required{"VisibilityTimeout", r.VisibilityTimeout != nil})
}

type sendMessageBatchRequest struct {
	QueueUrl string                         `json:"QueueUrl"`
	Entries  []sendMessageBatchRequestEntry `json:"Entries"`
}

func (r *sendMessageBatchRequest) validate() error { return requireQueueURL(r.QueueUrl) }

type sendMessageBatchRequestEntry struct {
	Id                      string                           `json:"Id"`
	MessageBody             string                           `json:"MessageBody"`
	DelaySeconds            *int32                           `json:"DelaySeconds,omitempty"`
	MessageAttributes       map[string]messageAttributeValue `json:"MessageAttributes,omitempty"`
	MessageSystemAttributes map[string]messageAttributeValue `json:"MessageSystemAttributes,omitempty"`
	MessageDeduplicationId  string                           `json:"MessageDeduplicationId,omitempty"`
	MessageGroupId          string                           `json:"MessageGroupId,omitempty"`
}

type sendMessageBatchResultEntry struct {
	Id                           string `json:"Id"`
	MessageId                    string `json:"MessageId"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	SequenceNumber               string `json:"SequenceNumber,omitempty"`
}

type batchResultErrorEntry struct {
	Id          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message,omitempty"`
}

// Successful and Failed are required members: always present.
type sendMessageBatchResult struct {
	Successful []sendMessageBatchResultEntry `json:"Successful"`
	Failed     []batchResultErrorEntry       `json:"Failed"`
}

type deleteMessageBatchRequest struct {
	QueueUrl string                           `json:"QueueUrl"`
	Entries  []deleteMessageBatchRequestEntry `json:"Entries"`
}

func (r *deleteMessageBatchRequest) validate() error { return requireQueueURL(r.QueueUrl) }

type deleteMessageBatchRequestEntry struct {
	Id            string `json:"Id"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

type batchResultEntry struct {
	Id string `json:"Id"`
}

type batchResult struct {
	Successful []batchResultEntry      `json:"Successful"`
	Failed     []batchResultErrorEntry `json:"Failed"`
}

type changeMessageVisibilityBatchRequest struct {
	QueueUrl string                                     `json:"QueueUrl"`
	Entries  []changeMessageVisibilityBatchRequestEntry `json:"Entries"`
}

func (r *changeMessageVisibilityBatchRequest) validate() error { return requireQueueURL(r.QueueUrl) }

type changeMessageVisibilityBatchRequestEntry struct {
	Id                string `json:"Id"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout,omitempty"`
}

type setQueueAttributesRequest struct {
	QueueUrl   string            `json:"QueueUrl"`
	Attributes map[string]string `json:"Attributes"`
}

func (r *setQueueAttributesRequest) validate() error {
	return requireQueueURL(r.QueueUrl, required{"Attributes", r.Attributes != nil})
}

type tagQueueRequest struct {
	QueueUrl string            `json:"QueueUrl"`
	Tags     map[string]string `json:"Tags"`
}

func (r *tagQueueRequest) validate() error {
	return requireQueueURL(r.QueueUrl, required{"Tags", len(r.Tags) > 0})
}

type untagQueueRequest struct {
	QueueUrl string   `json:"QueueUrl"`
	TagKeys  []string `json:"TagKeys"`
}

func (r *untagQueueRequest) validate() error {
	return requireQueueURL(r.QueueUrl, required{"TagKeys", len(r.TagKeys) > 0})
}

type listQueueTagsResult struct {
	Tags map[string]string `json:"Tags,omitempty"`
}

type addPermissionRequest struct {
	QueueUrl      string   `json:"QueueUrl"`
	Label         string   `json:"Label"`
	AWSAccountIds []string `json:"AWSAccountIds"`
	Actions       []string `json:"Actions"`
}

func (r *addPermissionRequest) validate() error {
	return requireQueueURL(r.QueueUrl,
		required{"Label", r.Label != ""},
		required{"Actions", len(r.Actions) > 0})
}

type removePermissionRequest struct {
	QueueUrl string `json:"QueueUrl"`
	Label    string `json:"Label"`
}

func (r *removePermissionRequest) validate() error {
	return requireQueueURL(r.QueueUrl, required{"Label", r.Label != ""})
}

type listDeadLetterSourceQueuesRequest struct {
	QueueUrl   string `json:"QueueUrl"`
	NextToken  string `json:"NextToken,omitempty"`
	MaxResults *int32 `json:"MaxResults,omitempty"`
}

func (r *listDeadLetterSourceQueuesRequest) validate() error { return requireQueueURL(r.QueueUrl) }

// The model spells this member queueUrls, and it is required.
type listDeadLetterSourceQueuesResult struct {
	QueueUrls []string `json:"queueUrls"`
	NextToken string   `json:"NextToken,omitempty"`
}

type startMessageMoveTaskRequest struct {
	SourceArn                    string `json:"SourceArn"`
	DestinationArn               string `json:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond *int32 `json:"MaxNumberOfMessagesPerSecond,omitempty"`
}

func (r *startMessageMoveTaskRequest) validate() error {
	if r.SourceArn == "" {
		return errMissingParameter("SourceArn")
	}
	return nil
}

type startMessageMoveTaskResult struct {
	TaskHandle string `json:"TaskHandle"`
}

type listMessageMoveTasksRequest struct {
	SourceArn  string `json:"SourceArn"`
	MaxResults *int32 `json:"MaxResults,omitempty"`
}

func (r *listMessageMoveTasksRequest) validate() error {
	if r.SourceArn == "" {
		return errMissingParameter("SourceArn")
	}
	return nil
}

type listMessageMoveTasksResultEntry struct {
	TaskHandle                        string `json:"TaskHandle,omitempty"`
	Status                            string `json:"Status"`
	SourceArn                         string `json:"SourceArn"`
	DestinationArn                    string `json:"DestinationArn,omitempty"`
	MaxNumberOfMessagesPerSecond      *int32 `json:"MaxNumberOfMessagesPerSecond,omitempty"`
	ApproximateNumberOfMessagesMoved  int64  `json:"ApproximateNumberOfMessagesMoved"`
	ApproximateNumberOfMessagesToMove *int64 `json:"ApproximateNumberOfMessagesToMove,omitempty"`
	FailureReason                     string `json:"FailureReason,omitempty"`
	StartedTimestamp                  int64  `json:"StartedTimestamp"`
}

type listMessageMoveTasksResult struct {
	Results []listMessageMoveTasksResultEntry `json:"Results"`
}

type cancelMessageMoveTaskRequest struct {
	TaskHandle string `json:"TaskHandle"`
}

func (r *cancelMessageMoveTaskRequest) validate() error {
	if r.TaskHandle == "" {
		return errMissingParameter("TaskHandle")
	}
	return nil
}

type cancelMessageMoveTaskResult struct {
	ApproximateNumberOfMessagesMoved int64 `json:"ApproximateNumberOfMessagesMoved"`
}
