<?php
// Shows what the FastCGI parameters look like (SCRIPT_NAME, PATH_INFO, ...).
header('Content-Type: text/plain; charset=utf-8');
$keys = ['REQUEST_METHOD', 'REQUEST_URI', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'SCRIPT_FILENAME',
    'DOCUMENT_ROOT', 'SERVER_SOFTWARE', 'INSTANCE_ID', 'APPL_MD_PATH', 'REMOTE_ADDR', 'HTTPS'];
foreach ($keys as $key) {
    printf("%-16s %s\n", $key, isset($_SERVER[$key]) ? $_SERVER[$key] : '(unset)');
}
