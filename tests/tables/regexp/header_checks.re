# header_checks-like table: first match wins, keys are whole header lines.
/^Subject:.*\b(viagra|cialis)\b/	REJECT spam subject: $1
/^Subject: *$/				WARN empty subject
/^X-Spam-Flag: *YES/			DISCARD marked as spam
/^Received: from ([^ ]+) \(([^)]*)\)/	PREPEND X-Relayed-From: $1 [$2]
/^Content-(Type|Disposition):.*name="?[^"]*\.(exe|scr|pif|bat|com)"?/
	REJECT attachment type .$2 not allowed (Content-$1)
/^(From|Reply-To):.*@spammer\.example/	REJECT sender domain blocked in $1
/^X-Mailer: (.*)/			IGNORE $1
/^Message-ID: *$/			PREPEND Message-ID: <missing@localhost>
/^[[:space:]]*$/			IGNORE blank
