"""Reference data: the 98 municipalities and the mappings of DOMAIN.md section 2."""

from __future__ import annotations

from benchlearn.core import reference


def test_98_municipalities_with_copenhagen_101_and_no_christiansoe():
    m = reference.municipalities()
    assert len(m) == 98 and m["kommunekode"].is_unique
    assert reference.navn(101) == "København" and reference.navn(450) == "Nyborg"
    assert 411 not in reference.kommunekoder()
    assert m["region"].nunique() == 5


def test_fourteen_ydelser_and_areas_as_in_domain():
    assert len(reference.ydelse_codes()) == 14
    assert set(reference.area_ydelser("sygedagpenge")) == {"sygedagpenge", "jobafklaring"}
    total = set(reference.area_ydelser("total"))
    assert total == set(reference.area_ydelser("a_dagpenge")) | set(reference.area_ydelser("sygedagpenge")) | set(reference.area_ydelser("kontanthjaelp"))
    assert not total & {"foertidspension", "fleksjob", "seniorpension", "efterloen"}
    assert set(reference.area_ydelser("total_incl_pension")) == set(reference.ydelse_codes())


def test_five_maalgrupper_partition_the_non_pension_ydelser():
    groups = reference.maalgruppe_codes()
    assert len(groups) == 5
    seen = [y for g in groups for y in reference.maalgruppe_ydelser(g)]
    assert len(seen) == len(set(seen))
    assert set(seen) == set(reference.ydelse_codes()) - {"foertidspension", "seniorpension", "efterloen"}


def test_six_cities_group():
    g = reference.groups()
    assert sorted(g.loc[g["group"] == "seks_byer", "kommunekode"]) == [101, 461, 561, 730, 751, 851]
