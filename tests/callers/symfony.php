<?php
// symfony.php COMMAND - Symfony Mailer's SendmailTransport with COMMAND
// ("/path -bs" or "/path -t -i"). -bs: two messages through one transport
// (one process), the second with Cc and Bcc. -t: one message with Bcc.
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';

use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\SendmailTransport;
use Symfony\Component\Mime\Email;

$command = $argv[1];
$transport = new SendmailTransport($command);
$mailer = new Mailer($transport);
$first = (new Email())
	->from('App <app@example.com>')
	->to('one@example.org')
	->subject('Symfony first')
	->text("First message.\n.\n..two dots\nlast line of the first\n");
$second = (new Email())
	->from('App <app@example.com>')
	->to('two@example.org')
	->cc('cc@example.org')
	->bcc('hidden@example.org')
	->subject('Symfony second')
	->text("Second message, with a Bcc.\n");
try {
	if (strpos($command, ' -bs') !== false) {
		$mailer->send($first);
	}
	$mailer->send($second);
	// -bs: the transport says QUIT and closes the process when it goes.
	unset($mailer, $transport);
} catch (\Throwable $e) {
	echo get_class($e), ": ", $e->getMessage(), "\n";
	exit(1);
}
echo "no exception\n";
exit(0);
