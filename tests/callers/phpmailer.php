<?php
// phpmailer.php - PHPMailer in sendmail mode. isSendmail() takes the
// command from sendmail_path (given with -d), as on Debian, so the argv is
// the one PHPMailer really produces there.
require '/usr/share/php/libphp-phpmailer/autoload.php';

use PHPMailer\PHPMailer\PHPMailer;

$m = new PHPMailer(true);
$m->isSendmail();
$m->setFrom('app@example.com', 'App Mailer');
$m->Sender = 'bounce@example.com';
$m->addAddress('to@example.org', 'To Person');
$m->addCC('cc@example.org');
$m->addBCC('hidden@example.org');
$m->Subject = 'PHPMailer test';
$m->Body = "Hello from PHPMailer.\n.\nA line after a lone dot.\n";
try {
	$ok = $m->send();
} catch (Exception $e) {
	echo "send() threw: ", $e->getMessage(), "\n";
	exit(1);
}
echo $ok ? "send() returned true\n" : "send() returned false\n";
exit($ok ? 0 : 1);
