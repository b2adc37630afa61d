# JSON visitors: the serialization suite (every visitor implementation
# registered in tests/serialization.h) and the JSON-specific cases.
# tests/test-qapi-types.c holds the QAPI test types (generated from
# tests/qapi-schema/test-qapi-types.json, see tests/qvisit-gen.mk) shared with
# the BER tests and fuzz targets.
check_PROGRAMS += tests/test-visitor-serialization tests/test-json-visitors
TESTS += tests/test-visitor-serialization tests/test-json-visitors

tests_test_visitor_serialization_SOURCES = \
	tests/test-visitor-serialization.c \
	tests/serialization.c tests/serialization.h \
	tests/serialization-json.c \
	tests/test-qapi-types.c tests/test-qapi-types.h
tests_test_visitor_serialization_CFLAGS = $(TESTS_CFLAGS)
tests_test_visitor_serialization_LDADD = $(TESTS_LIBS)

tests_test_json_visitors_SOURCES = \
	tests/test-json-visitors.c \
	tests/test-qapi-types.c tests/test-qapi-types.h
tests_test_json_visitors_CFLAGS = $(TESTS_CFLAGS)
tests_test_json_visitors_LDADD = $(TESTS_LIBS)
