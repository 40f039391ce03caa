import pytest

from flexcover.registry import repository, service
from flexcover.registry.authz import region_contains

REQUIRED = {
    "110000": "北京市",
    "310000": "上海市",
    "440000": "广东省",
    "440100": "广州市",
    "440300": "深圳市",
    "440600": "佛山市",
    "441900": "东莞市",
    "320000": "江苏省",
    "320100": "南京市",
    "320500": "苏州市",
    "500000": "重庆市",
    "500103": "渝中区",
    "500106": "沙坪坝区",
    "500243": "彭水苗族土家族自治县",
    "420000": "湖北省",
    "420100": "武汉市",
    "420106": "武昌区",
    "420300": "十堰市",
    "421000": "荆州市",
    "510000": "四川省",
    "510100": "成都市",
    "330000": "浙江省",
    "330100": "杭州市",
    "120000": "天津市",
}


@pytest.mark.parametrize(("code", "name"), REQUIRED.items())
def test_catalogue_holds_the_required_jurisdictions_with_real_names(session, code, name):
    jurisdiction = repository.get_jurisdiction(session, code)
    assert jurisdiction is not None
    assert jurisdiction.name == name


def test_hierarchy_runs_nation_province_city_district(session):
    district = repository.get_jurisdiction(session, "420106")
    assert district.level == "district"
    assert district.full_name == "湖北省武汉市武昌区"
    city = repository.get_jurisdiction(session, district.parent_code)
    assert (city.code, city.level) == ("420100", "city")
    province = repository.get_jurisdiction(session, city.parent_code)
    assert (province.code, province.level, province.parent_code) == ("420000", "province", "000000")


def test_chongqing_districts_sit_under_its_municipal_groupings(session):
    yuzhong = repository.get_jurisdiction(session, "500103")
    assert yuzhong.parent_code == "500100"
    assert yuzhong.full_name == "重庆市渝中区"
    districts = service.districts_within(session=session, region_code="500000")
    assert len(districts) == 38  # 26 districts and 12 counties in the current edition


def test_loading_again_adds_nothing(session):
    assert service.sync_jurisdictions(session=session) == 0


def test_regions_nest_by_code():
    assert region_contains("500000", "500103")
    assert region_contains("420100", "420106")
    assert not region_contains("420100", "420300")
    assert region_contains("500103", "500103")
    assert not region_contains("500103", "500106")
    assert region_contains("000000", "440305")
