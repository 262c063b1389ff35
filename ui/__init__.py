"""Front end Streamlit — parle à l'API en HTTP (à venir, ticket 5)."""
