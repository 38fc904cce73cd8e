<?php
// A 32 KiB page (exactly 32768 bytes of HTML): the size of a real page, and
// more than one of php's 8 KiB output writes, which hello does not exercise
// (on kept TCP connections to php-fpm such responses stalled on delayed ACKs).
header('Content-Type: text/html; charset=UTF-8');
$head = "<!DOCTYPE html>\n<html><head><title>A page</title></head><body>\n";
$tail = "</body></html>\n";
$para = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n";
$body = str_repeat($para, intdiv(32768 - strlen($head) - strlen($tail), strlen($para)) + 1);
echo $head, substr($body, 0, 32768 - strlen($head) - strlen($tail)), $tail;
