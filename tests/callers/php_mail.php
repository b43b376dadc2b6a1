<?php
// php_mail.php - PHP mail() with additional headers (Cc, Bcc) and the
// fifth argument "-f". sendmail_path comes from the command line (-d).
$body = "PHP mail() body line.\n.\nA line after a lone dot.\n..two dots stay two\n";
$headers = "From: Web App <app@example.com>\r\n" .
	"Cc: cc@example.org\r\n" .
	"Bcc: hidden@example.org\r\n" .
	"X-Caller: php-mail";
$ok = mail("Rcpt One <one@example.org>, two@example.org", "PHP mail() test",
	$body, $headers, "-fbounce@example.com");
echo $ok ? "mail() returned true\n" : "mail() returned false\n";
exit($ok ? 0 : 1);
