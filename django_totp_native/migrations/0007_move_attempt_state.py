"""Move each device's failure count, backoff and challenge sequence to its user's state row.

Until 0006 these lived on the (one) Totp device of a user; every attempt now counts on the
per-user SecondFactorState, whatever device it is for. Values are copied as they are, so a
locked account stays locked, a running backoff keeps running and an outstanding challenge
token stays valid (and a spent one spent). Reversible: the values go back to the devices.
"""

from django.db import migrations

MOVED = ("failed_attempts", "next_attempt_at", "challenge_issued", "challenge_redeemed")


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    Totp = apps.get_model("django_totp_native", "Totp")
    State = apps.get_model("django_totp_native", "SecondFactorState")
    rows = Totp.objects.using(alias).values("user_id", *MOVED).iterator(chunk_size=2000)
    batch = []
    for row in rows:
        batch.append(State(**row))
        if len(batch) >= 2000:
            State.objects.using(alias).bulk_create(batch, ignore_conflicts=True)
            batch = []
    State.objects.using(alias).bulk_create(batch, ignore_conflicts=True)


def backwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    Totp = apps.get_model("django_totp_native", "Totp")
    State = apps.get_model("django_totp_native", "SecondFactorState")
    for state in State.objects.using(alias).values("user_id", *MOVED).iterator(chunk_size=2000):
        user_id = state.pop("user_id")
        Totp.objects.using(alias).filter(user_id=user_id).update(**state)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("django_totp_native", "0006_second_factor_state"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
