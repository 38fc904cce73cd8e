<?php
// Exactly 1 MiB of body.
header('Content-Type: application/octet-stream');
echo str_repeat('x', 1048576);
