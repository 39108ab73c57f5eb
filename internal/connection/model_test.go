package connection

import "testing"

func TestParseResourceArn(t *testing.T) {
	s, name, id, ok := ParseResourceArn("arn:aws:events:eu-west-1:123456789012:connection/my.conn/0b1c-2d", "connection")
	if !ok || s != (Scope{Account: "123456789012", Region: "eu-west-1"}) || name != "my.conn" || id != "0b1c-2d" {
		t.Errorf("%v %q %q %v", s, name, id, ok)
	}
	for _, bad := range []string{"arn:aws:events:r:a:connection/x", "arn:aws:events:r:a:api-destination/x/y", "arn:aws:sqs:r:a:connection/x/y", "connection/x/y"} {
		if _, _, _, ok := ParseResourceArn(bad, "connection"); ok {
			t.Errorf("%s accepted", bad)
		}
	}
}
