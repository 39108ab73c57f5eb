# The programs of the seed tutorial ("Amazon CloudWatch Events and
# EventBridge", MyLearning.com), copied verbatim with exactly two
# corrections that boto3 itself requires on AWS too:
#   1. a target's top-level 'MessageGroupId' belongs in 'SqsParameters';
#   2. RetryPolicy's 'MaximumEventAge' is called 'MaximumEventAgeInSeconds'.
# They run against Switchyard with the endpoint given only through
# AWS_ENDPOINT_URL (see seed_test.py).

import boto3
import json
from datetime import datetime

class MyLearningEventBridge:
    def __init__(self):
        self.eventbridge = boto3.client('events')
        self.custom_bus_name = 'mylearning-application-events'
    
    def create_custom_event_bus(self):
        """Create custom event bus for MyLearning.com events"""
        
        try:
            response = self.eventbridge.create_event_bus(
                Name=self.custom_bus_name,
                Tags=[
                    {'Key': 'Environment', 'Value': 'production'},
                    {'Key': 'Application', 'Value': 'MyLearning'},
                    {'Key': 'Purpose', 'Value': 'ApplicationEvents'}
                ]
            )
            
            print(f"Custom event bus created: {response['EventBusArn']}")
            return response['EventBusArn']
            
        except Exception as e:
            print(f"Error creating event bus: {str(e)}")
            return None
    
    def put_custom_event(self, source, detail_type, detail, resources=None):
        """Publish custom events to MyLearning event bus"""
        
        event_entry = {
            'Source': source,
            'DetailType': detail_type,
            'Detail': json.dumps(detail),
            'EventBusName': self.custom_bus_name,
            'Time': datetime.utcnow()
        }
        
        if resources:
            event_entry['Resources'] = resources
        
        try:
            response = self.eventbridge.put_events(
                Entries=[event_entry]
            )
            
            if response['FailedEntryCount'] == 0:
                print(f"Event published successfully: {detail_type}")
                return True
            else:
                print(f"Failed to publish event: {response['Entries'][0]['ErrorMessage']}")
                return False
                
        except Exception as e:
            print(f"Error publishing event: {str(e)}")
            return False

# Initialize MyLearning EventBridge
ml_eventbridge = MyLearningEventBridge()

# Create custom event bus
bus_arn = ml_eventbridge.create_custom_event_bus()

# Example: User registration event
user_registration_event = {
    'user_id': 'user_12345',
    'email': 'student@example.com',
    'registration_type': 'premium',
    'course_interests': ['aws', 'python', 'devops'],
    'referral_source': 'google_ads',
    'timestamp': datetime.utcnow().isoformat()
}

ml_eventbridge.put_custom_event(
    source='mylearning.user-service',
    detail_type='User Registration Completed',
    detail=user_registration_event,
    resources=['arn:aws:lambda:ap-south-1:123456789012:function:user-onboarding']
)

def create_eventbridge_rules():
    """Create EventBridge rules for MyLearning.com automation"""
    
    eventbridge = boto3.client('events')
    
    # Rule 1: User Registration Automation
    user_registration_rule = {
        'Name': 'MyLearning-UserRegistration-Automation',
        'EventPattern': json.dumps({
            'source': ['mylearning.user-service'],
            'detail-type': ['User Registration Completed'],
            'detail': {
                'registration_type': ['premium', 'enterprise']
            }
        }),
        'State': 'ENABLED',
        'Description': 'Automate premium user onboarding process',
        'EventBusName': 'mylearning-application-events'
    }
    
    # Create the rule
    eventbridge.put_rule(**user_registration_rule)
    
    # Add targets to the rule
    eventbridge.put_targets(
        Rule='MyLearning-UserRegistration-Automation',
        EventBusName='mylearning-application-events',
        Targets=[
            {
                'Id': '1',
                'Arn': 'arn:aws:lambda:ap-south-1:123456789012:function:send-welcome-email',
                'InputTransformer': {
                    'InputPathsMap': {
                        'userId': '$.detail.user_id',
                        'email': '$.detail.email',
                        'tier': '$.detail.registration_type'
                    },
                    'InputTemplate': '{"userId": "<userId>", "email": "<email>", "tier": "<tier>", "action": "send_welcome_email"}'
                }
            },
            {
                'Id': '2',
                'Arn': 'arn:aws:sqs:ap-south-1:123456789012:user-onboarding-queue',
                'SqsParameters': {'MessageGroupId': 'user-onboarding'}
            },
            {
                'Id': '3',
                'Arn': 'arn:aws:sns:ap-south-1:123456789012:sales-notifications',
                'InputTransformer': {
                    'InputPathsMap': {
                        'userId': '$.detail.user_id',
                        'tier': '$.detail.registration_type',
                        'source': '$.detail.referral_source'
                    },
                    'InputTemplate': 'New premium user registered: <userId>, Tier: <tier>, Source: <source>'
                }
            }
        ]
    )
    
    # Rule 2: Infrastructure Monitoring
    infrastructure_rule = {
        'Name': 'MyLearning-Infrastructure-Monitoring',
        'EventPattern': json.dumps({
            'source': ['aws.ec2', 'aws.rds', 'aws.autoscaling'],
            'detail-type': [
                'EC2 Instance State-change Notification',
                'RDS DB Instance Event',
                'EC2 Instance Launch Successful'
            ],
            'detail': {
                'state': ['stopped', 'terminated', 'running']
            }
        }),
        'State': 'ENABLED',
        'Description': 'Monitor infrastructure changes and automate responses'
    }
    
    eventbridge.put_rule(**infrastructure_rule)
    
    eventbridge.put_targets(
        Rule='MyLearning-Infrastructure-Monitoring',
        Targets=[
            {
                'Id': '1',
                'Arn': 'arn:aws:lambda:ap-south-1:123456789012:function:infrastructure-event-processor',
                'DeadLetterConfig': {
                    'Arn': 'arn:aws:sqs:ap-south-1:123456789012:infrastructure-dlq'
                },
                'RetryPolicy': {
                    'MaximumRetryAttempts': 3,
                    'MaximumEventAgeInSeconds': 3600
                }
            },
            {
                'Id': '2',
                'Arn': 'arn:aws:sns:ap-south-1:123456789012:infrastructure-alerts'
            }
        ]
    )
    
    # Rule 3: Scheduled Maintenance Tasks
    maintenance_rule = {
        'Name': 'MyLearning-Daily-Maintenance',
        'ScheduleExpression': 'cron(0 2 * * ? *)',  # Daily at 2 AM UTC
        'State': 'ENABLED',
        'Description': 'Daily maintenance and cleanup tasks'
    }
    
    eventbridge.put_rule(**maintenance_rule)
    
    eventbridge.put_targets(
        Rule='MyLearning-Daily-Maintenance',
        Targets=[
            {
                'Id': '1',
                'Arn': 'arn:aws:lambda:ap-south-1:123456789012:function:daily-backup-cleanup'
            },
            {
                'Id': '2',
                'Arn': 'arn:aws:lambda:ap-south-1:123456789012:function:log-archival'
            },
            {
                'Id': '3',
                'Arn': 'arn:aws:lambda:ap-south-1:123456789012:function:performance-report-generator'
            }
        ]
    )

# Execute rule creation
create_eventbridge_rules()
