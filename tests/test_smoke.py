from wardapp.core import clock


def test_it_shows_the_dashboard_to_staff(client, auth, users):
    auth.login("staff")
    response = client.get("/")
    assert response.status_code == 200
    assert "Phường Hải Châu" in response.text


def test_it_saves_a_consistent_report(client, auth, users):
    from tests.factories import form_data

    auth.login("staff")
    day = clock.today().isoformat()
    response = client.post(f"/reports/{day}", data=form_data(carried_over=10))
    assert response.status_code == 303, response.text
    page = client.get(f"/reports/{day}").text
    assert 'data-status="complete" id="day-status">Đủ số liệu<' in page
