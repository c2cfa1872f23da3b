"""Which functions a guarded statement may call, per engine: an allow-list, plus DBA wording for the refusals.

Allow-list, not deny-list: a function that is not named here is refused, whatever it is. The reasons table only
makes the refusal message say *why* a well-known dangerous function is refused; it grants nothing.
"""

from __future__ import annotations

# What to do next after any function refusal (the message says why this one is refused).
FUNCTION_HINT = "leave that call out: dbsage calls only built-in functions it knows to be read-only"


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---- PostgreSQL --------------------------------------------------------------------------------------------------

PG_SAFE = _names("""
    abs cbrt ceil ceiling degrees div exp factorial floor gcd lcm ln log log10 min_scale mod pi power radians round
    scale sign sqrt trim_scale trunc width_bucket random random_normal acos asin atan atan2 cos cot sin tan acosd asind
    atand atan2d cosd cotd sind tand sinh cosh tanh asinh acosh atanh erf erfc
    ascii bit_length btrim char_length character_length chr concat concat_ws format initcap left length lower lpad
    ltrim md5 normalize octet_length overlay position quote_ident quote_literal quote_nullable regexp_count
    regexp_instr regexp_like regexp_match regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table
    regexp_substr repeat replace reverse right rpad rtrim split_part starts_with string_to_array string_to_table
    strpos substr substring to_ascii to_hex to_bin to_oct translate upper unistr convert convert_from convert_to
    decode encode get_bit get_byte set_bit set_byte sha224 sha256 sha384 sha512 crc32 crc32c is_normalized casefold
    similar_to_escape similar_escape textlen bit_count
    to_char to_date to_number to_timestamp
    age clock_timestamp date_add date_bin date_part date_subtract date_trunc extract isfinite justify_days
    justify_hours justify_interval make_date make_interval make_time make_timestamp make_timestamptz now
    statement_timestamp timeofday transaction_timestamp timezone overlaps
    enum_first enum_last enum_range
    area center diameter height isclosed isopen npoints pclose popen radius slope width box circle line lseg path
    point polygon bound_box
    abbrev broadcast family host hostmask inet_merge inet_same_family masklen netmask network set_masklen
    macaddr8_set7bit
    to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank ts_rank_cd ts_headline
    setweight strip numnode querytree ts_lexize ts_parse ts_token_type ts_debug array_to_tsvector tsvector_to_array
    ts_delete ts_filter get_current_ts_config json_to_tsvector jsonb_to_tsvector
    gen_random_uuid uuidv4 uuidv7 uuid_extract_timestamp uuid_extract_version
    xmlcomment xmlconcat xmlagg xmlexists xml_is_well_formed xml_is_well_formed_document xml_is_well_formed_content
    xpath xpath_exists xmltext
    to_json to_jsonb array_to_json row_to_json json_build_array jsonb_build_array json_build_object
    jsonb_build_object json_object jsonb_object json_array_elements jsonb_array_elements json_array_elements_text
    jsonb_array_elements_text json_array_length jsonb_array_length json_each jsonb_each json_each_text
    jsonb_each_text json_extract_path jsonb_extract_path json_extract_path_text jsonb_extract_path_text
    json_object_keys jsonb_object_keys json_populate_record jsonb_populate_record json_populate_recordset
    jsonb_populate_recordset json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset json_strip_nulls
    jsonb_strip_nulls jsonb_set jsonb_set_lax jsonb_insert jsonb_path_exists jsonb_path_match jsonb_path_query
    jsonb_path_query_array jsonb_path_query_first jsonb_path_exists_tz jsonb_path_match_tz jsonb_path_query_tz
    jsonb_path_query_array_tz jsonb_path_query_first_tz jsonb_pretty json_typeof jsonb_typeof json_agg jsonb_agg
    json_agg_strict jsonb_agg_strict json_object_agg jsonb_object_agg json_object_agg_strict json_object_agg_unique
    json_object_agg_unique_strict jsonb_object_agg_strict jsonb_object_agg_unique jsonb_object_agg_unique_strict
    json_scalar json_serialize jsonb_populate_record_valid
    array_append array_cat array_dims array_fill array_length array_lower array_ndims array_position
    array_positions array_prepend array_remove array_replace array_to_string array_upper cardinality trim_array
    unnest array_agg array_sample array_shuffle array_reverse array_sort generate_series generate_subscripts
    isempty lower_inc upper_inc lower_inf upper_inf range_merge multirange int4range int8range numrange tsrange
    tstzrange daterange int4multirange int8multirange nummultirange tsmultirange tstzmultirange datemultirange
    avg bit_and bit_or bit_xor bool_and bool_or count every max min range_agg range_intersect_agg string_agg sum
    corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy
    regr_syy stddev stddev_pop stddev_samp variance var_pop var_samp mode percentile_cont percentile_disc grouping
    any_value
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
    num_nulls num_nonnulls nullif coalesce greatest least
    current_database current_catalog current_query current_role current_schema current_schemas current_user
    session_user system_user user version current_setting inet_client_addr inet_client_port inet_server_addr
    inet_server_port pg_backend_pid pg_blocking_pids pg_safe_snapshot_blocking_pids pg_conf_load_time
    pg_current_logfile pg_my_temp_schema pg_is_other_temp_schema pg_jit_available pg_listening_channels
    pg_notification_queue_usage pg_postmaster_start_time pg_trigger_depth
    row_security_active acldefault aclexplode makeaclitem pg_collation_for
    pg_collation_is_visible pg_conversion_is_visible pg_function_is_visible pg_opclass_is_visible
    pg_operator_is_visible pg_opfamily_is_visible pg_statistics_obj_is_visible pg_table_is_visible
    pg_ts_config_is_visible pg_ts_dict_is_visible pg_ts_parser_is_visible pg_ts_template_is_visible
    pg_type_is_visible
    format_type pg_char_to_encoding pg_encoding_to_char pg_index_column_has_property pg_index_has_property
    pg_indexam_has_property pg_options_to_table pg_settings_get_flags pg_tablespace_databases pg_tablespace_location
    pg_typeof pg_column_compression pg_column_size pg_column_toast_chunk_id pg_database_size pg_indexes_size
    pg_relation_size pg_size_bytes pg_size_pretty pg_table_size pg_tablespace_size pg_total_relation_size
    pg_relation_filenode pg_relation_filepath pg_filenode_relation pg_describe_object pg_identify_object
    pg_identify_object_as_address col_description obj_description shobj_description to_regclass to_regcollation
    to_regnamespace to_regoper to_regoperator to_regproc to_regprocedure to_regrole to_regtype to_regtypemod
    pg_input_is_valid pg_input_error_info pg_partition_tree pg_partition_ancestors pg_partition_root
    pg_visible_in_snapshot pg_current_snapshot pg_snapshot_xmin pg_snapshot_xmax pg_snapshot_xip pg_xact_status
    pg_current_xact_id_if_assigned txid_current_if_assigned txid_current_snapshot txid_snapshot_xmin
    txid_snapshot_xmax txid_snapshot_xip txid_visible_in_snapshot txid_status mxid_age pg_xact_commit_timestamp
    pg_last_committed_xact pg_control_checkpoint pg_control_system pg_control_init pg_control_recovery
    pg_is_in_recovery pg_is_wal_replay_paused pg_last_wal_receive_lsn pg_last_wal_replay_lsn
    pg_last_xact_replay_timestamp pg_current_wal_lsn pg_current_wal_insert_lsn pg_current_wal_flush_lsn
    pg_walfile_name pg_walfile_name_offset pg_split_walfile_name pg_wal_lsn_diff pg_lock_status pg_prepared_xact
    pg_show_all_settings pg_cursor pg_prepared_statement pg_timezone_names pg_timezone_abbrevs
    pg_available_extensions pg_available_extension_versions pg_extension_update_paths pg_mcv_list_items
    pg_event_trigger_ddl_commands pg_sequence_parameters pg_show_replication_origin_status
    pg_backend_memory_contexts pg_numa_available pow parse_ident pg_collation_actual_version
    pg_database_collation_actual_version pg_stat_have_stats pg_xact_commit_timestamp_origin pg_sequence_last_value
    pg_config xml
    int2 int4 int8 float4 float8 numeric text varchar bpchar bool date time timetz timestamp timestamptz interval
    bytea oid name regclass char json jsonb inet cidr macaddr macaddr8 uuid xid xid8 money bit varbit
    hypopg hypopg_create_index hypopg_list_indexes hypopg_get_indexdef hypopg_relation_size hypopg_drop_index
    hypopg_reset hypopg_reset_index hypopg_hide_index hypopg_unhide_index hypopg_unhide_all_indexes
    hypopg_hidden_indexes
    pg_stat_statements pg_stat_statements_info
    pg_qualstats pg_qualstats_pretty pg_qualstats_all pg_qualstats_by_query pg_qualstats_example_query
    pg_qualstats_example_queries pg_qualstats_names
    pgstattuple pgstattuple_approx pgstatindex pgstatginindex pgstathashindex pg_relpages
    pg_buffercache_pages pg_buffercache_summary pg_buffercache_usage_counts
""")

# Prefixes of read-only families: statistics counters, catalog definitions, privilege checks.
PG_SAFE_PREFIXES = ("pg_stat_get_", "pg_get_", "has_", "pg_has_")

# Names that look like a safe prefix but are not read-only.
PG_UNSAFE_DESPITE_PREFIX = _names("pg_get_replication_slots_advance")

PG_REASONS: dict[str, str] = {
    "pg_terminate_backend": "ends other sessions",
    "pg_cancel_backend": "cancels other sessions' queries",
    "set_config": "changes session settings (it could turn read-only mode off)",
    "pg_reload_conf": "reloads the server configuration",
    "pg_rotate_logfile": "rotates the server log",
    "pg_switch_wal": "forces a WAL switch",
    "pg_promote": "promotes a standby",
    "pg_create_restore_point": "writes a WAL restore point",
    "pg_backup_start": "starts a backup",
    "pg_backup_stop": "stops a backup",
    "pg_wal_replay_pause": "pauses WAL replay",
    "pg_wal_replay_resume": "resumes WAL replay",
    "pg_log_backend_memory_contexts": "writes to the server log",
    "pg_read_file": "reads server files",
    "pg_read_binary_file": "reads server files",
    "pg_stat_file": "reads server file metadata",
    "pg_file_write": "writes server files",
    "nextval": "advances a sequence (not undone by rollback)",
    "setval": "changes a sequence",
    "currval": "reads session sequence state",
    "lastval": "reads session sequence state",
    "pg_notify": "sends notifications to other sessions",
    "pg_sleep": "sleeps, holding a connection",
    "pg_sleep_for": "sleeps, holding a connection",
    "pg_sleep_until": "sleeps, holding a connection",
    "query_to_xml": "runs SQL text the guard cannot see",
    "query_to_xmlschema": "runs SQL text the guard cannot see",
    "query_to_xml_and_xmlschema": "runs SQL text the guard cannot see",
    "cursor_to_xml": "reads from a cursor the guard cannot see",
    "ts_stat": "runs SQL text the guard cannot see",
    "ts_rewrite": "can run SQL text the guard cannot see",
    "txid_current": "assigns a transaction id",
    "pg_current_xact_id": "assigns a transaction id",
    "pg_export_snapshot": "exports a snapshot to other sessions",
    "pg_import_system_collations": "creates collations",
    "pg_stat_clear_snapshot": "changes session statistics state",
}

PG_REASON_PREFIXES: tuple[tuple[str, str], ...] = (
    ("pg_advisory", "takes advisory locks"),
    ("pg_try_advisory", "takes advisory locks"),
    ("dblink", "opens connections to other servers"),
    ("lo_", "reads or writes large objects and server files"),
    ("loread", "reads large objects"),
    ("lowrite", "writes large objects"),
    ("pg_ls_", "lists server directories"),
    ("pg_stat_reset", "resets statistics other people rely on"),
    ("pg_stat_statements_reset", "resets statistics other people rely on"),
    ("pg_qualstats_reset", "resets statistics other people rely on"),
    ("pg_replication_", "changes replication state"),
    ("pg_create_", "creates server objects (replication slots, restore points)"),
    ("pg_drop_", "drops server objects"),
    ("pg_copy_", "copies replication slots"),
    ("pg_logical_", "consumes or emits logical replication data"),
    ("binary_upgrade_", "is for pg_upgrade only"),
    ("pg_start_backup", "starts a backup"),
    ("pg_stop_backup", "stops a backup"),
    ("pg_buffercache_evict", "evicts shared buffers"),
    ("pg_prewarm", "loads relations into the buffer cache"),
)

# Relations whose contents are secrets (password hashes, connection strings) or server files.
PG_SECRET_RELATIONS: dict[str, str] = {
    "pg_authid": "holds password hashes",
    "pg_shadow": "holds password hashes",
    "pg_user_mapping": "holds foreign-server credentials",
    "pg_user_mappings": "holds foreign-server credentials",
    "pg_subscription": "holds replication connection strings with passwords",
    "pg_statistic": "holds sampled values of every column (use pg_stats, which respects privileges)",
    "pg_statistic_ext_data": "holds sampled values of every column (use pg_stats_ext)",
    "pg_largeobject": "holds large-object contents",
    "pg_file_settings": "reads the server's configuration files",
    "pg_hba_file_rules": "reads the server's pg_hba.conf",
    "pg_ident_file_mappings": "reads the server's pg_ident.conf",
}

# information_schema views that show the same secrets to a superuser or the mapped user.
PG_SECRET_INFORMATION_SCHEMA: dict[str, str] = {
    "user_mapping_options": "shows foreign-server credentials",
    "_pg_user_mappings": "shows foreign-server credentials",
}
PG_SECRET_RELATIONS.update(PG_SECRET_INFORMATION_SCHEMA)  # unqualified, too: information_schema may be on the path

# TABLESAMPLE methods: functions too, so they are allow-listed like any other call.
PG_TABLESAMPLE_METHODS = _names("bernoulli system system_rows system_time")


def pg_function_verdict(name: str) -> str | None:
    """None when `name` (lower case, unqualified) is allowed; otherwise the reason it is refused."""
    if name in PG_SAFE or (name.startswith(PG_SAFE_PREFIXES) and name not in PG_UNSAFE_DESPITE_PREFIX):
        return None
    if name in PG_REASONS:
        return PG_REASONS[name]
    for prefix, reason in PG_REASON_PREFIXES:
        if name.startswith(prefix):
            return reason
    return "is not on dbsage's list of read-only functions (unknown and user-defined functions may change data)"


# ---- MySQL / MariaDB ---------------------------------------------------------------------------------------------

MYSQL_SAFE = _names("""
    abs acos asin atan atan2 ceil ceiling conv cos cot crc32 degrees exp floor ln log log10 log2 mod pi pow power
    radians rand round sign sin sqrt tan truncate
    ascii bin bit_length char char_length character_length chr concat concat_ws elt export_set field find_in_set
    format from_base64 hex insert instr lcase left length locate lower lpad ltrim make_set mid oct octet_length ord
    position quote regexp_instr regexp_like regexp_replace regexp_substr repeat replace reverse right rpad rtrim
    soundex space strcmp substr substring substring_index to_base64 trim ucase unhex upper weight_string
    natural_sort_key sformat to_char
    adddate addtime convert_tz curdate current_date current_time current_timestamp curtime date date_add
    date_format date_sub datediff day dayname dayofmonth dayofweek dayofyear extract from_days from_unixtime
    get_format hour last_day localtime localtimestamp makedate maketime microsecond minute month monthname now
    period_add period_diff quarter sec_to_time second str_to_date subdate subtime sysdate time time_format
    time_to_sec timediff timestamp timestampadd timestampdiff to_days to_seconds unix_timestamp utc_date utc_time
    utc_timestamp week weekday weekofyear year yearweek
    avg bit_and bit_or bit_xor count group_concat json_arrayagg json_objectagg max min std stddev stddev_pop
    stddev_samp sum var_pop var_samp variance
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value median
    percentile_cont percentile_disc any_value
    if ifnull isnull nullif coalesce greatest least interval case exists row match
    cast convert binary collation charset coercibility
    json_array json_array_append json_array_insert json_compact json_contains json_contains_path json_depth
    json_detailed json_equals json_exists json_extract json_insert json_keys json_length json_loose json_merge
    json_merge_patch json_merge_preserve json_normalize json_object json_overlaps json_query json_quote
    json_remove json_replace json_search json_set json_table json_type json_unquote json_valid json_value
    json_pretty json_array_intersect json_object_filter_keys json_object_to_array json_key_value
    md5 sha sha1 sha2 compress uncompress uncompressed_length uuid uuid_short sys_guid inet_aton inet_ntoa
    inet6_aton inet6_ntoa is_ipv4 is_ipv6 is_ipv4_compat is_ipv4_mapped
    connection_id current_role current_user database schema session_user system_user user version found_rows
    row_count charset default
    extractvalue updatexml add_months bit_count column_check column_exists column_json column_list crc32c
    decode_histogram lengthb nvl nvl2 name_const random_bytes schemas binlog_gtid_pos aes_encrypt
    format_bytes format_pico_time format_time format_path format_statement ps_thread_id extract_schema_from_file_name
    extract_table_from_file_name sys_get_config version_major version_minor version_patch quote_identifier
    list_add list_drop ps_is_account_enabled ps_is_consumer_enabled ps_is_instrument_default_enabled
    ps_is_instrument_default_timed ps_is_thread_instrumented
""")

MYSQL_REASONS: dict[str, str] = {
    "sleep": "sleeps, holding a connection",
    "benchmark": "burns CPU on purpose",
    "get_lock": "takes a named lock other sessions wait on",
    "release_lock": "releases named locks",
    "release_all_locks": "releases named locks",
    "is_used_lock": "inspects named locks outside the guard's list",
    "is_free_lock": "inspects named locks outside the guard's list",
    "load_file": "reads server files",
    "master_pos_wait": "waits on replication",
    "master_gtid_wait": "waits on replication",
    "source_pos_wait": "waits on replication",
    "nextval": "advances a sequence",
    "setval": "changes a sequence",
    "lastval": "reads session sequence state",
    "last_insert_id": "can change session state",
    "encrypt": "uses server-side secrets",
    "des_encrypt": "uses server-side secrets",
    "des_decrypt": "uses server-side secrets",
    "aes_decrypt": "decrypts data",
    "password": "computes password hashes",
    "old_password": "computes password hashes",
    "sys_exec": "runs programs on the server",
    "sys_eval": "runs programs on the server",
}

# (schema, table) pairs whose contents are secrets.
MYSQL_SECRET_TABLES: dict[tuple[str, str], str] = {
    ("mysql", "user"): "holds password hashes",
    ("mysql", "global_priv"): "holds password hashes",
    ("mysql", "servers"): "holds federated-server passwords",
    ("mysql", "password_history"): "holds password hashes",
    ("mysql", "slave_master_info"): "holds replication passwords",
}


def mysql_function_verdict(name: str) -> str | None:
    """None when `name` (lower case, unqualified) is allowed; otherwise the reason it is refused."""
    if name in MYSQL_SAFE:
        return None
    return MYSQL_REASONS.get(
        name, "is not on dbsage's list of read-only functions (stored and unknown functions may change data)"
    )
