"""The endpoint's protocol tests (tests/http), run with a real Oxigraph server as the store.

Collected here, the tests get this directory's fixtures: the same app and the same test
data, with server.remote_store carrying out every request over HTTP. Left out are the tests
of the local store's own machinery (versions on disk, query processes, the time limit by
killing a process: test_remote_store.py has the remote counterparts) and one that depends
on the store's classification of errors (Oxigraph answers an unknown function with HTTP
500, passed on as 502 with its message; test_remote_store.py checks that).
"""

from __future__ import annotations

from tests.http.test_cors_and_caching import (  # noqa: F401
    test_a_write_changes_the_etag,
    test_etag_depends_on_query_and_accept,
    test_get_answers_are_cacheable,
    test_matching_if_none_match_gets_304,
    test_post_queries_are_not_cached,
)
from tests.http.test_executor_bindings import (  # noqa: F401
    test_a_substituted_string_with_sparql_syntax_stays_data,
    test_a_substituted_term_selects_its_subject,
    test_relative_iris_resolve_against_the_given_base,
)
from tests.http.test_formats import (  # noqa: F401
    test_a_cut_construct_says_so_and_keeps_the_limit,
    test_a_cut_csv_keeps_the_limit,
    test_a_cut_select_says_so_and_keeps_the_limit,
    test_ask_in_every_results_format,
    test_complete_answers_carry_no_truncation_header,
    test_construct_defaults_to_turtle,
    test_construct_in_every_graph_format,
    test_describe_is_a_graph,
    test_json_results_keep_every_kind_of_term,
    test_negotiation_honours_q_values_and_wildcards,
    test_nothing_acceptable_gets_406_listing_what_is_offered,
    test_select_in_csv,
    test_select_in_every_parsable_results_format,
)
from tests.http.test_graph_store import (  # noqa: F401
    test_a_graph_over_the_limit_is_cut_and_says_so,
    test_a_named_graph_defaults_to_turtle,
    test_a_named_graph_is_negotiated,
    test_an_absent_graph_is_404,
    test_bad_graph_parameters_are_400,
    test_default_is_the_stores_own_empty_default_graph,
    test_head_sends_no_body,
    test_not_acceptable_is_406,
)
from tests.http.test_protocol import (  # noqa: F401
    test_client_mistakes_get_400_in_plain_text,
    test_default_graph_is_the_union_of_the_named_graphs,
    test_default_graph_uri_alone_leaves_no_named_graphs,
    test_from_in_the_query_chooses_the_default_graph,
    test_from_named_in_the_query_limits_the_named_graphs,
    test_get_answers_a_query_in_json_by_default,
    test_head_sends_the_headers_of_get_without_a_body,
    test_named_graph_uri_limits_the_named_graphs,
    test_post_direct_answers_a_query,
    test_post_direct_takes_the_dataset_from_the_url,
    test_post_form_answers_a_query,
    test_protocol_dataset_wins_over_from,
    test_syntax_error_gives_the_parsers_message_and_position,
    test_unsupported_content_type_gets_415,
)
from tests.http.test_service_description import (  # noqa: F401
    test_describes_endpoint_language_formats_and_union_default,
    test_lists_every_named_graph_with_its_triple_count,
)
from tests.http.test_writes import (  # noqa: F401
    test_a_body_over_the_limit_is_413_and_changes_nothing,
    test_a_direct_update_with_the_token_is_applied,
    test_a_read_only_endpoint_refuses_even_a_token,
    test_bad_graph_payloads_change_nothing,
    test_default_graph_writes,
    test_failed_updates_change_nothing,
    test_graph_store_put_post_delete,
    test_writes_without_the_token_are_refused_and_change_nothing,
)
