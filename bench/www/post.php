<?php
// The request body's length as PHP received it.
echo strlen(file_get_contents('php://input'));
