from ansible_collections.calicolab.ccol1.tests.shared_reference import shared_dir


def test_shared_folder_is_found_beside_the_collection():
    found = shared_dir()
    assert found is not None and (found / "reference" / "calico-facts.md").is_file()
