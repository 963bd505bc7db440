"""E-mail to an organisation's counsellors when a user wrote in a handover thread.

The e-mail says only that there is a new message, in which language, and where to read it
(the thread's random id in the admin): never the text, the topic or the town, because e-mail
passes through servers outside the organisation. One e-mail per thread and round, to every
active counsellor of the thread's organisation; a message counts as notified once the SMTP
server took the e-mail (its `delivered_at`), so a server that is away is tried again in the
next round. The admin process runs `notification_loop` when SMTP_HOST is set (app.py).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections import defaultdict
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.settings import Settings
from referrals import clock
from referrals.admin.models import AdminUser, Membership
from referrals.cards import language_names
from referrals.handover.models import IN, Message, Thread
from referrals.web_texts import text

log = logging.getLogger("referrals.admin")


def _recipients(session: Session, organization_id: str) -> list[str]:
    return list(
        session.scalars(
            select(AdminUser.email)
            .join(Membership, Membership.user_id == AdminUser.id)
            .where(
                Membership.organization_id == organization_id,
                AdminUser.active.is_(True),
                AdminUser.role == "counsellor",
            )
            .order_by(AdminUser.email)
        )
    )


def _email(settings: Settings, recipients: list[str], thread: Thread) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = text("mail_subject", "de", written_in=language_names((thread.language,), "de"))
    where = f"{(settings.admin_public_url or '').rstrip('/')}/inquiries/{thread.id}"
    mail.set_content(
        "\n\n".join(
            text("mail_body", code, written_in=language_names((thread.language,), code), where=where)
            for code in ("de", "en")
        )
    )
    return mail


def send_notifications(session: Session, settings: Settings) -> int:
    """Notify for every user message not notified yet; returns the number of e-mails sent."""
    if not settings.smtp_host:
        return 0
    waiting = session.execute(
        select(Message.id, Message.thread_id).where(Message.direction == IN, Message.delivered_at.is_(None))
    ).all()
    by_thread: dict[str, list[int]] = defaultdict(list)
    for message_id, thread_id in waiting:
        by_thread[thread_id].append(message_id)
    sent = 0
    if not by_thread:
        return 0
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        for thread_id, message_ids in by_thread.items():
            thread = session.get(Thread, thread_id)
            if thread is None:
                continue
            recipients = _recipients(session, thread.organization_id)
            if recipients:
                smtp.send_message(_email(settings, recipients, thread))
                sent += 1
            # Without a counsellor there is nobody to tell; the thread waits in the admin's queue.
            session.execute(
                update(Message).where(Message.id.in_(message_ids)).values(delivered_at=clock.utcnow())
            )
            session.commit()
    if sent:
        log.info("%d handover notification e-mails sent", sent)
    return sent


async def notification_loop(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Until cancelled: notify every SMTP_NOTIFY_SECONDS; a failing server is tried again later."""
    while True:
        try:
            with sessions() as session:
                await asyncio.to_thread(send_notifications, session, settings)
        except Exception as error:  # noqa: BLE001 - SMTP or the database away for a moment
            log.warning("handover notification failed: %s; trying again", type(error).__name__)
        await asyncio.sleep(settings.smtp_notify_seconds)
