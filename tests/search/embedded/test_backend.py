"""What only the embedded backend promises: writes visible at once, rebuilds swapped in
whole, use from several threads, a file that outlives the process, suggestions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest

from search.embedded import EmbeddedBackend
from search.query import Point, SearchQuery
from tests.search.factories import make_document


def names(backend: EmbeddedBackend, text: str = "", **criteria) -> set[str]:
    result = backend.search(SearchQuery(text=text, per_page=100, **criteria))
    return {hit.name for hit in result.hits}


@pytest.fixture
def backend() -> Iterator[EmbeddedBackend]:
    backend = EmbeddedBackend(":memory:")
    backend.rebuild(
        [
            make_document(1, "Lumière Électricité", description="Électricité générale"),
            make_document(2, "Jardins du Rhône", sector_names=["Espaces verts"]),
            make_document(3, "Atelier Menuiserie", kind="ACI"),
        ]
    )
    yield backend
    backend.close()


def test_the_issue_examples_on_a_fresh_index(backend):
    assert names(backend, "electricite") == {"Lumière Électricité"}
    assert names(backend, "menuis") == {"Atelier Menuiserie"}
    assert names(backend, "paysagiste") == {"Jardins du Rhône"}


def test_an_upsert_is_searchable_at_once(backend):
    backend.upsert([make_document(4, "Nettoyage Express")])
    assert names(backend, "nettoyage") == {"Nettoyage Express"}
    assert backend.count() == 4


def test_an_upsert_replaces_the_previous_version(backend):
    backend.upsert([make_document(3, "Boulangerie du Lac", kind="EI")])
    assert names(backend, "menuiserie") == set()
    assert names(backend, "boulangerie") == {"Boulangerie du Lac"}
    assert names(backend, kinds=("ACI",)) == set()
    assert backend.count() == 3


def test_one_upsert_can_mix_new_changed_and_repeated_documents(backend):
    backend.upsert(
        [
            make_document(3, "Atelier Menuiserie Bis"),  # the last slot, reused
            make_document(4, "Couture Solidaire", kind="ETTI"),
            make_document(4, "Couture Solidaire Lyon", kind="ETTI"),  # the last one wins
        ]
    )
    assert names(backend, "atelier") == {"Atelier Menuiserie Bis"}
    assert names(backend, "couture") == {"Couture Solidaire Lyon"}
    assert backend.count() == 4


def test_a_delete_is_visible_at_once_and_unknown_ids_are_ignored(backend):
    backend.delete([1, 999])
    assert names(backend, "electricite") == set()
    assert backend.count() == 2


def test_only_active_documents_are_searchable(backend):
    backend.upsert([make_document(2, "Jardins du Rhône", status="closed")])
    backend.upsert([make_document(5, "Brouillon", status="draft")])
    assert names(backend) == {"Lumière Électricité", "Atelier Menuiserie"}
    assert backend.count() == 2


def test_facet_counts_follow_every_write(backend):
    def kinds() -> dict[str, int]:
        return backend.search(SearchQuery(facets=("kind",))).facets["kind"]

    assert kinds() == {"ACI": 1, "EI": 2}
    backend.upsert([make_document(4, "Interim Plus", kind="ETTI")])
    assert kinds() == {"ACI": 1, "EI": 2, "ETTI": 1}
    backend.upsert([make_document(3, "Atelier Menuiserie", kind="EI")])
    backend.delete([1])
    assert kinds() == {"EI": 2, "ETTI": 1}


def test_a_search_during_a_rebuild_sees_the_old_index_until_the_swap(backend):
    seen_meanwhile: list[set[str]] = []

    def documents():
        yield make_document(10, "Recyclerie Nouvelle")
        seen_meanwhile.append(names(backend))
        yield make_document(11, "Couture Nouvelle")
        seen_meanwhile.append(names(backend))

    assert backend.rebuild(documents()) == 2
    old = {"Lumière Électricité", "Jardins du Rhône", "Atelier Menuiserie"}
    assert seen_meanwhile == [old, old]
    assert names(backend) == {"Recyclerie Nouvelle", "Couture Nouvelle"}
    assert names(backend, "electricite") == set()


def test_writes_made_during_a_rebuild_survive_the_swap(backend):
    def documents():
        yield make_document(2, "Jardins du Rhône (ancienne fiche)")
        backend.upsert([make_document(2, "Jardins du Rhône (fiche à jour)")])
        backend.upsert([make_document(20, "Entreprise créée pendant la reconstruction")])
        backend.delete([3])
        yield make_document(3, "Atelier Menuiserie")  # read before its deletion

    backend.rebuild(documents())
    assert names(backend) == {
        "Jardins du Rhône (fiche à jour)",
        "Entreprise créée pendant la reconstruction",
    }
    facets = backend.search(SearchQuery(facets=("kind",))).facets
    assert facets == {"kind": {"EI": 2}}


def test_a_failed_rebuild_keeps_the_live_index(backend):
    def documents():
        yield make_document(30, "Jamais indexée")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(documents())
    assert names(backend, "electricite") == {"Lumière Électricité"}
    assert backend.rebuild([make_document(31, "Après l'échec")]) == 1
    assert names(backend) == {"Après l'échec"}


def test_a_file_index_outlives_its_backend_and_is_shared(tmp_path):
    path = str(tmp_path / "index.sqlite3")
    writer = EmbeddedBackend(path)
    writer.rebuild([make_document(1, "Blanchisserie Centrale", kind="EA")])
    reader = EmbeddedBackend(path)
    assert names(reader, "blanchisserie") == {"Blanchisserie Centrale"}
    assert reader.search(SearchQuery(facets=("kind",))).facets == {"kind": {"EA": 1}}
    writer.upsert([make_document(2, "Pressing du Port", kind="ESAT")])
    # The reader's facet bitmaps are reloaded once another connection wrote.
    assert reader.search(SearchQuery(facets=("kind",))).facets == {"kind": {"EA": 1, "ESAT": 1}}
    writer.close()
    reader.close()


def test_an_index_of_another_schema_version_is_recreated(tmp_path):
    path = str(tmp_path / "index.sqlite3")
    backend = EmbeddedBackend(path)
    backend.upsert([make_document(1, "Ancienne Version")])
    backend.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE state SET value = -1 WHERE key = 'schema'")
    conn.close()
    reopened = EmbeddedBackend(path)
    assert reopened.count() == 0
    reopened.close()


@pytest.mark.parametrize("where", ["memory", "file"])
def test_threads_search_while_another_writes(where, tmp_path):
    backend = EmbeddedBackend(":memory:" if where == "memory" else str(tmp_path / "i.sqlite3"))
    backend.rebuild(make_document(i, f"Atelier {i}") for i in range(1, 201))
    errors: list[BaseException] = []
    totals: list[int] = []

    def search() -> None:
        try:
            for _ in range(30):
                totals.append(backend.search(SearchQuery(text="atelier")).total)
        except BaseException as error:  # reported below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for i in range(201, 231):
        backend.upsert([make_document(i, f"Atelier {i}")])
    for thread in threads:
        thread.join()
    backend.close()
    assert errors == []
    assert len(totals) == 120 and all(200 <= total <= 230 for total in totals)


def test_suggest_names_by_beginning_words_and_typos(backend):
    backend.upsert(
        [
            make_document(4, "ATELIER DU BOCAGE"),
            make_document(5, "Les Ateliers du Rhône"),
        ]
    )
    # Names that begin so first, alphabetically; then names with a word that does.
    assert backend.suggest("atel") == [
        "ATELIER DU BOCAGE",
        "Atelier Menuiserie",
        "Les Ateliers du Rhône",
    ]
    assert backend.suggest("rhone") == ["Jardins du Rhône", "Les Ateliers du Rhône"]
    assert backend.suggest("ateliers du rh") == ["Les Ateliers du Rhône"]
    assert backend.suggest("menuiserei") == ["Atelier Menuiserie"]
    assert backend.suggest("atel", limit=1) == ["ATELIER DU BOCAGE"]


@pytest.mark.parametrize("prefix", ["", "   ", '"', "NEAR(", "\x00", "x" * 10_000, "🙂"])
def test_suggest_takes_any_text(backend, prefix):
    assert isinstance(backend.suggest(prefix), list)


# --- Partial matches (issue 10): layers by words kept, in every sort ----------------------


@pytest.fixture
def painters() -> Iterator[EmbeddedBackend]:
    backend = EmbeddedBackend(":memory:")
    backend.rebuild(
        [
            make_document(1, "Peinture Vitrerie Lyon", latitude=45.9, longitude=4.8),
            make_document(2, "Abeille Peinture", latitude=45.76, longitude=4.83),
            make_document(3, "Peinture Générale", latitude=45.7, longitude=4.8),
            make_document(4, "Vitrerie du Centre", latitude=45.76, longitude=4.84),
            make_document(
                5,
                "Les Couleurs",
                latitude=46.5,
                sector_names=["Peinture & Revêtement des murs"],
                sector_group_names=["Bâtiments et Travaux publics"],
            ),
        ]
    )
    yield backend
    backend.close()


def order(backend: EmbeddedBackend, text: str, **criteria) -> list[str]:
    return [hit.name for hit in backend.search(SearchQuery(text=text, **criteria)).hits]


def test_words_are_dropped_from_the_end_each_layer_below_the_last(painters):
    found = order(painters, "peinture vitrerie lyon")
    assert found[0] == "Peinture Vitrerie Lyon"  # every word
    # Then "peinture" alone (all but the last two dropped); "Vitrerie du Centre" has no
    # "peinture", the first word, so it is no partial match at all.
    assert set(found[1:]) == {"Abeille Peinture", "Peinture Générale", "Les Couleurs"}
    assert painters.search(SearchQuery(text="peinture vitrerie lyon")).total == 4


def test_a_middle_layer_comes_between(painters):
    painters.upsert([make_document(6, "Peinture Vitrerie Sud", latitude=43.3, longitude=5.4)])
    found = order(painters, "peinture vitrerie lyon")
    assert found[:2] == ["Peinture Vitrerie Lyon", "Peinture Vitrerie Sud"]


def test_scores_fall_with_each_word_dropped(painters):
    hits = painters.search(SearchQuery(text="peinture vitrerie lyon")).hits
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 1 > scores[1] > 0


def test_a_sort_orders_each_layer_and_keeps_the_complete_matches_first(painters):
    lyon = Point(45.76, 4.835, "Lyon")
    by_distance = order(painters, "peinture vitrerie lyon", near=lyon, sort="distance")
    assert by_distance[0] == "Peinture Vitrerie Lyon"  # the farthest, but complete
    assert by_distance[1:3] == ["Abeille Peinture", "Peinture Générale"]
    by_name = order(painters, "peinture vitrerie lyon", sort="name")
    assert by_name == [
        "Peinture Vitrerie Lyon",
        "Abeille Peinture",
        "Les Couleurs",
        "Peinture Générale",
    ]


def test_pages_run_through_the_layers(painters):
    pages = [
        order(painters, "peinture vitrerie lyon", per_page=1, page=page) for page in range(1, 6)
    ]
    assert [len(page) for page in pages] == [1, 1, 1, 1, 0]
    assert len({name for page in pages for name in page}) == 4


def test_a_single_word_or_stop_words_make_no_partial_match(painters):
    assert names(painters, "vitrerie de la") == {"Peinture Vitrerie Lyon", "Vitrerie du Centre"}
    assert names(painters, "xqzwvk en") == set()


def test_group_names_and_kind_words_are_searched(painters):
    assert names(painters, "btp") == {"Les Couleurs"}
    assert names(painters, "insertion") == names(painters, "siae") == names(painters)
    assert names(painters, "interim") == set()  # EI: not a staffing kind
