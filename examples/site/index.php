<?php
// The example site's home page: proves PHP runs through iis-fastcgi.
$name = isset($_GET['name']) ? $_GET['name'] : 'world';
?>
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>iis-fastcgi example</title>
  <link rel="stylesheet" href="/css/site.css">
</head>
<body>
  <h1>Hello, <?= htmlspecialchars($name) ?>!</h1>
  <p>PHP <?= PHP_VERSION ?> (<?= PHP_SAPI ?>), process <?= getmypid() ?>, served by <?= htmlspecialchars($_SERVER['SERVER_SOFTWARE']) ?>.</p>
  <form method="post" action="/form.php">
    <label>Your name <input name="name" value="<?= htmlspecialchars($name) ?>"></label>
    <button type="submit">Send</button>
  </form>
  <p><a href="/info.php/extra/path?x=1">Server variables</a></p>
</body>
</html>
