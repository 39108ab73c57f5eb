package awsproto

import "net/url"

// parseForm decodes an awsQuery body, merged with the URL query.
func parseForm(body []byte, rawQuery string) (map[string][]string, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, err
		}
		for k, v := range q {
			if _, ok := form[k]; !ok {
				form[k] = v
			}
		}
	}
	return form, nil
}
