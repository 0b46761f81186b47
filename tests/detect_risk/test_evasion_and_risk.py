from tanggap.detect.channel_risk import PostEvidence, channel_risk
from tanggap.detect.evasion import likely_recreations, profile_of, resemblance
from tanggap.domain.signals import Signal

RELEASE = "Rilisan terbaru dari saudara kita di wilayah timur, sebarkan sebelum dihapus thaghut"


def blocked():
    return profile_of("https://t.me/kabar_daulah", "kabar_daulah", "Kabar Daulah Islamiyah",
                      "Berita resmi dari para mujahidin", [RELEASE, "Kajian tauhid malam ini di grup"])


def test_a_recreated_channel_is_recognised_with_its_reasons():
    recreated = profile_of("https://t.me/kabar_dau1ah2", "kabar_dau1ah2", "Kabar Daulah Islamiyah",
                           "Channel cadangan. Berita resmi dari para mujahidin", [RELEASE + "!!"])
    found = likely_recreations(recreated, [blocked()])
    assert found and found[0].blocked_key == "https://t.me/kabar_daulah"
    reasons = " | ".join(found[0].reasons)
    assert "handle @kabar_dau1ah2" in reasons and "title" in reasons and "re-posted" in reasons


def test_an_unrelated_channel_is_not_flagged():
    cooking = profile_of("https://t.me/resep_nusantara", "resep_nusantara", "Resep Masakan Nusantara",
                         "Resep harian", ["Cara membuat rendang yang empuk dan lezat untuk keluarga"])
    assert likely_recreations(cooking, [blocked()]) == []
    assert resemblance(cooking, blocked()).score < 0.2


def test_matching_avatars_count_even_with_a_new_name():
    avatar = "f" * 64
    old = profile_of("a", "old_name_x", "A", "", [], avatar_pdq=avatar)
    new = profile_of("b", "totally_new", "B", "", [], avatar_pdq="f" * 63 + "0")
    assert "avatar matches (PDQ distance 4)" in resemblance(new, old).reasons


def test_channel_risk_rolls_up_strong_posts_and_ignores_weak_ones():
    weak = [PostEvidence(str(n), 0.3) for n in range(20)]
    assert channel_risk(weak).score == 0.0
    strong = weak + [PostEvidence("21", 0.92, ("thaghut",)), PostEvidence("22", 0.85)]
    risk = channel_risk(strong)
    assert risk.score > 0.92
    assert risk.explanation[0].startswith("2 of 22 posts score")
    hash_hit = Signal("hash:pdq", 0.95, "image matches bank TVEC (distance 8)")
    assert channel_risk(weak, [hash_hit]).score == 0.95
