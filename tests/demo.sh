#!/bin/sh
# MIT licence: see LICENSE.
#
# demo.sh - `make demo`: start a working mta in a throwaway directory,
# listening on 127.0.0.1:${PORT:-2525}, in the foreground (Ctrl-C stops
# it).  As root the daemons run as mail_owner: postfix if that account
# exists, else nobody.  Try it from another terminal:
#   swaks --server 127.0.0.1:2525 --to you@example.com
#   echo hi | MAIL_CONFIG=DIR/etc ./mta sendmail root@localhost
#   MAIL_CONFIG=DIR/etc ./mta mailq
MTA=${MTA:-$(pwd)/mta}
PORT=${PORT:-2525}
D=$(mktemp -d /tmp/mta-demo.XXXXXX) || exit 1
chmod 755 "$D"
mkdir -p "$D/etc"
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
	owner=nobody
	id postfix >/dev/null 2>&1 && owner=postfix
fi
cat > "$D/etc/main.cf" <<EOC
queue_directory = $D/queue
data_directory = $D/data
mail_owner = $owner
inet_interfaces = 127.0.0.1
mynetworks = 127.0.0.0/8
maillog_file = /dev/stderr
alias_maps =
mydestination = localhost
mail_spool_directory = $D/mail
# the demo does not send mail to other hosts: it waits in the queue
default_transport = retry:4.3.0 the demo does not deliver to other hosts
EOC
mkdir -p "$D/mail" && chmod 1777 "$D/mail"
cat > "$D/etc/master.cf" <<EOC
127.0.0.1:$PORT inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
pickup    fifo n - n 60 1 pickup
qmgr      fifo n - n 300 1 qmgr
showq     unix n - n - - showq
smtp      unix - - n - - smtp
local     unix - n n - - local
EOC
echo "mta demo: SMTP on 127.0.0.1:$PORT, configuration in $D/etc,"
echo "mta demo: queue in $D/queue; mail for localhost goes to $D/mail,"
echo "mta demo: mail for other hosts waits in the queue (mailq shows it)"
echo "mta demo: MAIL_CONFIG=$D/etc $MTA postconf -n   shows the settings"
exec "$MTA" postfix -c "$D/etc" start-fg
