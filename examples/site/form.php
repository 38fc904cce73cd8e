<?php
// Receives the form on the home page: $_POST works through FastCGI.
$name = isset($_POST['name']) ? trim($_POST['name']) : '';
header('Location: /?name=' . rawurlencode($name === '' ? 'world' : $name));
