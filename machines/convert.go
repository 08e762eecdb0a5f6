package machines

// The conversions below are the one edge where a generic Command value
// becomes a typed argument. They accept the normalized history shapes
// (int64, string, []any) and plain Go ints, which tests and workload
// generators write naturally.

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	}
	return 0, false
}

func asString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// asPair unpacks a two-element list such as cas's [old, new] or transfer's
// [to, amount].
func asPair(v any) (any, any, bool) {
	switch x := v.(type) {
	case []any:
		if len(x) == 2 {
			return x[0], x[1], true
		}
	case []int64:
		if len(x) == 2 {
			return x[0], x[1], true
		}
	case []int:
		if len(x) == 2 {
			return x[0], x[1], true
		}
	}
	return nil, nil, false
}
