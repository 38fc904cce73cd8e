<?php
// 20 ms of waiting (a database or an API, say), then a short body.
usleep(20000);
echo "slept 20 ms\n";
